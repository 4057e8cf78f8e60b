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

/* Packs "<option>=<value>\0" entries for ecr_auth_fetch; returns the length used. */
static size_t pack(char *buf, size_t cap, size_t used, ecr_auth_option option, const char *value) {
  int n = snprintf(buf + used, cap - used, "%d=%s", (int)option, value);
  if (n < 0 || (size_t)n + 1 > cap - used) {
    fprintf(stderr, "packed options do not fit\n");
    exit(2);
  }
  return used + (size_t)n + 1; /* keep the NUL snprintf wrote */
}

static void misuse_is_rejected(void) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  ecr_auth_result *result = NULL;
  char packed[256];
  size_t len = pack(packed, sizeof packed, 0, ECR_AUTH_OPTION_SECRET_ACCESS_KEY, "secret");

  ecr_auth_status status = ecr_auth_fetch((const uint8_t *)packed, len, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "status %d", (int)status);
  CHECK(result == NULL, "result set on failure");
  CHECK(strstr(err, "access key id is empty") != NULL, "message '%s'", err);

  status = ecr_auth_fetch((const uint8_t *)packed, len, NULL, NULL, 0);
  CHECK(status == ECR_AUTH_STATUS_NULL_POINTER, "status %d", (int)status);
  status = ecr_auth_fetch(NULL, 4, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_NULL_POINTER, "status %d", (int)status);
  status = ecr_auth_fetch((const uint8_t *)packed, len - 1, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "unterminated: status %d", (int)status);

  len = pack(packed, sizeof packed, 0, ECR_AUTH_OPTION_REGION, "\xff\xfe");
  status = ecr_auth_fetch((const uint8_t *)packed, len, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_UTF8, "status %d", (int)status);

  ecr_auth_request *request = ecr_auth_request_new();
  CHECK(request != NULL, "request_new");
  status = ecr_auth_request_set(request, 999, "x", err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "unknown option: status %d", (int)status);
  status = ecr_auth_request_set(request, ECR_AUTH_OPTION_TIMEOUT_MS, "soon", err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "bad timeout: status %d", (int)status);
  status = ecr_auth_request_set(NULL, ECR_AUTH_OPTION_REGION, "us-east-1", err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_NULL_POINTER, "NULL request: status %d", (int)status);
  status = ecr_auth_request_set(request, ECR_AUTH_OPTION_REGION, "Mars", err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_OK, "set region: status %d", (int)status);
  status = ecr_auth_request_fetch(request, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "status %d: %s", (int)status, err);
  ecr_auth_request_free(request);
  ecr_auth_request_free(NULL);

  CHECK(ecr_auth_result_count(NULL) == 0, "count of NULL");
  CHECK(ecr_auth_result_password(NULL, 0) == NULL, "password of NULL");
  CHECK(ecr_auth_result_password_len(NULL, 0) == 0, "password length of NULL");
  CHECK(ecr_auth_result_failure_count(NULL) == 0, "failure count of NULL");
  CHECK(ecr_auth_result_failure_status(NULL, 0) == ECR_AUTH_STATUS_NULL_POINTER, "failure status of NULL");
  ecr_auth_result_free(NULL);
}

/* Checks every login of a result; frees it. */
static void check_result(ecr_auth_status status, ecr_auth_result *result, const char *err,
                         const char *expected_password, const char *expected_registry, int print) {
  if (status != ECR_AUTH_STATUS_OK) {
    fprintf(stderr, "fetch failed with %d: %s\n", (int)status, err);
    failures++;
    ecr_auth_result_free(result);
    return;
  }
  size_t count = ecr_auth_result_count(result);
  CHECK(count > 0, "no logins");
  CHECK(ecr_auth_result_failure_count(result) == 0, "failures on OK");
  for (size_t i = 0; i < count; i++) {
    const char *password = ecr_auth_result_password(result, i);
    CHECK(password != NULL && password[0] != '\0', "empty password");
    CHECK(ecr_auth_result_password_len(result, i) == strlen(password), "password length at %zu", i);
    if (expected_password != NULL) {
      CHECK(strcmp(password, expected_password) == 0, "password mismatch at %zu", i);
    }
    if (expected_registry != NULL) {
      CHECK(strcmp(ecr_auth_result_registry(result, i), expected_registry) == 0, "registry '%s'",
            ecr_auth_result_registry(result, i));
    }
    if (print) {
      printf("login %zu: registry=%s user=%s endpoint=%s expires=%lld\n", i,
             ecr_auth_result_registry(result, i), ecr_auth_result_username(result, i),
             ecr_auth_result_proxy_endpoint(result, i),
             (long long)ecr_auth_result_expires_at(result, i));
    }
  }
  CHECK(ecr_auth_result_registry(result, count) == NULL, "out of range registry");
  CHECK(ecr_auth_result_failure_message(result, 0) == NULL, "out of range failure");
  ecr_auth_result_free(result);
}

/* The one-call form: packed options. */
static void fetch_packed(const char *endpoint, const char *expected_password, int print) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  char packed[1024];
  size_t len = 0;
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ACCESS_KEY_ID, "AKIDEXAMPLE");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_SESSION_TOKEN, "session-token");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_REGION, "us-west-2");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ENDPOINT_URL, endpoint);
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_TIMEOUT_MS, "60000");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ENVIRONMENT, "AWS_EC2_METADATA_DISABLED=true");
  ecr_auth_result *result = NULL;
  ecr_auth_status status = ecr_auth_fetch((const uint8_t *)packed, len, &result, err, sizeof err);
  check_result(status, result, err, expected_password, NULL, print);
}

/* The handle form, with every option set (some set and then changed back or cleared). */
static void fetch_with_handle(const char *endpoint, const char *expected_password) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  ecr_auth_request *request = ecr_auth_request_new();
  struct {
    ecr_auth_option option;
    const char *value;
  } steps[] = {
      {ECR_AUTH_OPTION_PROFILE, "unused-profile"},
      {ECR_AUTH_OPTION_DEFAULT_CREDENTIALS, "1"},
      {ECR_AUTH_OPTION_DEFAULT_CREDENTIALS, "0"}, /* back to static keys */
      {ECR_AUTH_OPTION_ACCESS_KEY_ID, "AKIDEXAMPLE"},
      {ECR_AUTH_OPTION_SECRET_ACCESS_KEY, "replaced-secret"},
      {ECR_AUTH_OPTION_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
      {ECR_AUTH_OPTION_SESSION_TOKEN, "session-token"},
      {ECR_AUTH_OPTION_SESSION_TOKEN, NULL}, /* cleared */
      {ECR_AUTH_OPTION_REGION, "us-west-2"},
      {ECR_AUTH_OPTION_ENDPOINT_URL, endpoint},
      {ECR_AUTH_OPTION_PUBLIC, "1"},
      {ECR_AUTH_OPTION_PUBLIC, "0"},
      {ECR_AUTH_OPTION_CA_BUNDLE, "/nonexistent/ca.pem"},
      {ECR_AUTH_OPTION_CA_BUNDLE, NULL},
      {ECR_AUTH_OPTION_ENVIRONMENT, "AWS_SECRET_ACCESS_KEY=environment-secret"},
      {ECR_AUTH_OPTION_ENVIRONMENT, NULL},
      {ECR_AUTH_OPTION_ENVIRONMENT, "AWS_SECRET_ACCESS_KEY=environment-secret"},
      {ECR_AUTH_OPTION_ENVIRONMENT, "AWS_EC2_METADATA_DISABLED=true"},
      {ECR_AUTH_OPTION_REUSE_TOKENS, "1"},
      {ECR_AUTH_OPTION_TIMEOUT_MS, "60000"},
      {ECR_AUTH_OPTION_REGISTRY, "123456789012.dkr.ecr.us-west-2.amazonaws.com"},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    ecr_auth_status status = ecr_auth_request_set(request, (uint32_t)steps[i].option, steps[i].value, err, sizeof err);
    CHECK(status == ECR_AUTH_STATUS_OK, "set option %d: %d %s", (int)steps[i].option, (int)status, err);
  }
  /* Twice: the second may come from the token cache (reuse is on). */
  for (int round = 0; round < 2; round++) {
    ecr_auth_result *result = NULL;
    ecr_auth_status status = ecr_auth_request_fetch(request, &result, err, sizeof err);
    check_result(status, result, err, expected_password, "123456789012.dkr.ecr.us-west-2.amazonaws.com", 0);
  }
  /* A registry id too: ids and hosts together are a usage error, reported at fetch time. */
  ecr_auth_request_set(request, ECR_AUTH_OPTION_REGISTRY_ID, "123456789012", err, sizeof err);
  ecr_auth_result *result = NULL;
  ecr_auth_status status = ecr_auth_request_fetch(request, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_INVALID_ARGUMENT, "ids and hosts: %d %s", (int)status, err);
  CHECK(result == NULL, "result set on a usage error");
  ecr_auth_request_free(request);
  ecr_auth_forget_tokens();
}

static void failure_path(void) {
  char err[ECR_AUTH_ERROR_BUFFER_SIZE];
  char packed[256];
  size_t len = 0;
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ACCESS_KEY_ID, "AKIDEXAMPLE");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_SECRET_ACCESS_KEY, "secret");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_REGION, "us-west-2");
  /* Port 1 on loopback: nothing listens there, so this is a fast connection refusal. */
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_ENDPOINT_URL, "http://127.0.0.1:1");
  len = pack(packed, sizeof packed, len, ECR_AUTH_OPTION_TIMEOUT_MS, "20000");
  ecr_auth_result *result = NULL;
  ecr_auth_status status = ecr_auth_fetch((const uint8_t *)packed, len, &result, err, sizeof err);
  CHECK(status == ECR_AUTH_STATUS_NETWORK, "status %d: %s", (int)status, err);
  /* The registry was tried: its failure is in the result. */
  CHECK(ecr_auth_result_count(result) == 0, "logins on failure");
  CHECK(ecr_auth_result_failure_count(result) == 1, "failure count");
  CHECK(ecr_auth_result_failure_status(result, 0) == ECR_AUTH_STATUS_NETWORK, "failure status");
  CHECK(ecr_auth_result_failure_message(result, 0) != NULL, "failure message");
  ecr_auth_result_free(result);
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
    fetch_packed(argv[1], expected, i == 0);
    fetch_with_handle(argv[1], expected);
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
