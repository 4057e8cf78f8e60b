/* Times ecr_auth_fetch through the C ABI: the first call in a process (runtime and HTTPS
 * client start-up) and warm calls. usage: fetch_bench ENDPOINT_URL ITERATIONS
 * Prints JSON: {"first_ms": x, "warm_ms": [..]}. */
#define _POSIX_C_SOURCE 199309L
#include "ecr_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double one_fetch(const char *endpoint) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  char packed[1024];
  int n = snprintf(packed, sizeof packed, "1=AKIAIOSFODNN7EXAMPLE%c2=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY%c"
                   "4=us-east-1%c5=%s%c13=10000%c", 0, 0, 0, endpoint, 0, 0);
  ecr_auth_result *result = NULL;
  double start = now_ms();
  ecr_auth_status status = ecr_auth_fetch((const uint8_t *)packed, (size_t)n, &result, err, sizeof err);
  double elapsed = now_ms() - start;
  if (status != ECR_AUTH_STATUS_OK || ecr_auth_result_count(result) == 0) {
    fprintf(stderr, "fetch failed (%d): %s\n", (int)status, err);
    exit(1);
  }
  ecr_auth_result_free(result);
  return elapsed;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s ENDPOINT_URL ITERATIONS\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[2]);
  printf("{\"first_ms\": %.3f, \"warm_ms\": [", one_fetch(argv[1]));
  for (int i = 0; i < n; i++) {
    printf("%s%.3f", i ? ", " : "", one_fetch(argv[1]));
  }
  printf("]}\n");
  return 0;
}
