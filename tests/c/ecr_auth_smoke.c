/*
 * Proves include/ecr_auth.h is usable from plain C, and gives valgrind something to chew on.
 *
 * usage: ecr_auth_smoke ENDPOINT_URL [ITERATIONS]
 * Prints one line per login (never the password, only whether it matches
 * $ECR_AUTH_EXPECT_PASSWORD), then "ok". Exit status 0 on success.
 */
#include "ecr_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "check failed: %s: ", #cond);        \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      failures++;                                          \
    }                                                      \
  } while (0)

static void misuse_is_rejected(void) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  ecr_auth_result *result = NULL;
  ecr_auth_status status =
      ecr_auth_fetch(NULL, "secret", NULL, "us-east-1", NULL, NULL, 0, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_NULL_POINTER, "status %d", (int)status);
  CHECK(result == NULL, "result set on failure");
  CHECK(strstr(err, "access_key_id") != NULL, "message '%s'", err);

  status = ecr_auth_fetch("AKID", "secret", NULL, "us-east-1", NULL, NULL, 0, NULL, NULL, 0);
  CHECK(status == ECR_AUTH_STATUS_NULL_POINTER, "status %d", (int)status);

  status = ecr_auth_fetch("AKID", "secret", NULL, "\xff\xfe", NULL, NULL, 0, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_UTF8, "status %d", (int)status);

  status = ecr_auth_fetch("AKID", "secret", NULL, "Mars", NULL, NULL, 0, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "status %d: %s", (int)status, err);

  CHECK(ecr_auth_result_count(NULL) == 0, "count of NULL");
  CHECK(ecr_auth_result_password(NULL, 0) == NULL, "password of NULL");
  ecr_auth_result_free(NULL);
}

static void fetch_once(const char *endpoint, const char *expected_password, int print) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  ecr_auth_result *result = NULL;
  ecr_auth_status status = ecr_auth_fetch("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                          "session-token", "us-west-2", endpoint, NULL, 5000,
                                          &result, err, sizeof err);
  if (status != ECR_AUTH_STATUS_OK) {
    fprintf(stderr, "ecr_auth_fetch failed with %d: %s\n", (int)status, err);
    failures++;
    return;
  }
  size_t count = ecr_auth_result_count(result);
  CHECK(count > 0, "no logins");
  for (size_t i = 0; i < count; i++) {
    const char *password = ecr_auth_result_password(result, i);
    CHECK(password != NULL && password[0] != '\0', "empty password");
    if (expected_password != NULL) {
      CHECK(strcmp(password, expected_password) == 0, "password mismatch at %zu", i);
    }
    if (print) {
      printf("login %zu: registry=%s user=%s endpoint=%s expires=%lld\n", i,
             ecr_auth_result_registry(result, i), ecr_auth_result_username(result, i),
             ecr_auth_result_proxy_endpoint(result, i),
             (long long)ecr_auth_result_expires_at(result, i));
    }
  }
  CHECK(ecr_auth_result_registry(result, count) == NULL, "out of range registry");
  ecr_auth_result_free(result);
}

static void failure_path(void) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  ecr_auth_result *result = NULL;
  /* Port 1 on loopback: nothing listens there, so this is a fast connection refusal. */
  ecr_auth_status status = ecr_auth_fetch("AKIDEXAMPLE", "secret", NULL, "us-west-2",
                                          "http://127.0.0.1:1", NULL, 20000, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_NETWORK, "status %d: %s", (int)status, err);
  CHECK(result == NULL, "result set on failure");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ENDPOINT_URL [ITERATIONS]\n", argv[0]);
    return 2;
  }
  int iterations = argc > 2 ? atoi(argv[2]) : 1;
  const char *expected = getenv("ECR_AUTH_EXPECT_PASSWORD");
  printf("ecr_auth %s (header %s)\n", ecr_auth_version(), ECR_AUTH_VERSION);
  CHECK(strcmp(ecr_auth_version(), ECR_AUTH_VERSION) == 0, "library and header versions differ");
  for (int i = 0; i < iterations && failures == 0; i++) {
    misuse_is_rejected();
    fetch_once(argv[1], expected, i == 0);
    if (i % 100 == 0) {
      failure_path(); /* network failure; retried with backoff, so not every time */
    }
  }
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
