/*
 * One fetch through the packed call, for the per-platform runs (Wine, qemu): prints
 * "ok REGISTRY USERNAME" and whether the password matches $ECR_AUTH_EXPECT_PASSWORD, or
 * "status N: MESSAGE" and exits 1. Never prints the password.
 *
 * usage: ecr_auth_fetch_one ENDPOINT_URL [CA_BUNDLE]
 */
#include "ecr_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t pack(char *buf, size_t cap, size_t used, ecr_auth_option option, const char *value) {
  int n = snprintf(buf + used, cap - used, "%d=%s", (int)option, value);
  if (n < 0 || (size_t)n + 1 > cap - used) {
    fprintf(stderr, "packed options do not fit\n");
    exit(2);
  }
  return used + (size_t)n + 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ENDPOINT_URL [CA_BUNDLE]\n", argv[0]);
    return 2;
  }
  char packed[4096];
  size_t len = 0;
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ACCESS_KEY_ID, "AKIDEXAMPLE");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_SECRET_ACCESS_KEY, "secret");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_REGION, "us-west-2");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ENDPOINT_URL, argv[1]);
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_TIMEOUT_MS, "10000");
  if (argc > 2) len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_CA_BUNDLE, argv[2]);

  char err[ECR_AUTH_ERROR_BUFFER_SIZE] = "";
  ecr_auth_result *result = NULL;
  ecr_auth_status status = ecr_auth_fetch((const uint8_t *)packed, len, &result, err, sizeof err);
  int exit_code = 0;
  if (status != ECR_AUTH_STATUS_OK || !result || ecr_auth_result_count(result) != 1) {
    printf("status %d: %s\n", (int)status, err);
    exit_code = 1;
  } else {
    const char *expected = getenv("ECR_AUTH_EXPECT_PASSWORD");
    const char *password = ecr_auth_result_password(result, 0);
    int matches = expected && password && strcmp(expected, password) == 0;
    printf("ok %s %s password %s\n", ecr_auth_result_registry(result, 0), ecr_auth_result_username(result, 0),
           expected ? (matches ? "matches" : "DIFFERS") : "not checked");
    if (expected && !matches) exit_code = 1;
  }
  ecr_auth_result_free(result);
  return exit_code;
}
