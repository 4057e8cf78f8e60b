/* fake_client.c: a stand-in for a container client CLI (docker.exe, podman.exe, helm.exe, ...) in
 * the Windows tests; the one exe is copied under each client's name. The Windows counterpart of
 * the shell fake of New-FakeClient in tests/support/EcrTestStack.psm1.
 *
 * BASE is this exe's own path (GetModuleFileNameW) less a trailing ".exe", REC is BASE + ".calls".
 * Each run reads all of its standard input (binary, to EOF) and records the call, one write per
 * line so concurrent runs do not interleave (ARGS: argv[1..] as CommandLineToArgvW splits the
 * command line, in UTF-8, joined with single spaces; STDIN: the input less trailing CR/LF):
 *   REC.args       += ARGS "\n"            REC.cmdline  += raw command line "\n"
 *   REC.stdin      += STDIN "\n"           REC.log      += ARGS "|" STDIN "\n"
 *   REC.stdin.bin   = the input, byte for byte (replaced through a temp file)
 *   REC.children   += PID "\n" of the child started for child_sleep_ms
 * Then it answers as the optional BASE.fake says (UTF-8, key=value lines, unknown keys ignored):
 *   exit=N            exit code (default 0)
 *   stdout=TEXT       line on stdout (default "Login Succeeded"; "stdout=" prints nothing)
 *   stderr=TEXT       line on stderr
 *   fail_match=TEXT   if ARGS contains TEXT: fail_stderr=TEXT "\n" on stderr, nothing on
 *                     stdout, exit 1
 *   sleep_ms=N        sleep before answering (a hanging client)
 *   child_sleep_ms=N  first start this exe again as `--child-sleep N` (sleeps, records nothing)
 *   relay=HOST:PORT + relay_program=/linux/path: the answer comes from a Linux-side test broker.
 *     Request: one HTTP/1.0 "POST /relay", body lines "key\tBASE64(value)\n": program, one arg
 *     per argument, cwd, one env per variable (NAME=VALUE), stdin (the raw bytes).
 *     Response: HTTP/1.0 200, body lines "exit\tN", "stdout\tBASE64", "stderr\tBASE64" (any
 *     order, missing = empty); reproduced as is. Any failure: a message on stderr, exit 97.
 * Build: x86_64-w64-mingw32-gcc -std=c99 -O1 -Wall -Wextra -Werror -municode -static
 *        -o fake_client.exe fake_client.c -lws2_32 -lshell32   (also links without -municode) */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <wctype.h>
#include <shellapi.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

typedef struct { char *p; size_t n, cap; } Buf;   /* growing byte buffer, always NUL-terminated */

static void add(Buf *b, const void *data, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n + 1) cap *= 2;
    if (!(b->p = realloc(b->p, cap))) { fputs("fake_client: out of memory\n", stderr); exit(98); }
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, data, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void adds(Buf *b, const char *s) { add(b, s, strlen(s)); }

static char *utf8(const wchar_t *w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = calloc(n > 0 ? n : 1, 1);
  if (s && n > 0) WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  return s;
}

static wchar_t *wcat(const wchar_t *a, const wchar_t *b) {
  wchar_t *s = malloc((wcslen(a) + wcslen(b) + 1) * sizeof *s);
  wcscpy(s, a);
  return wcscat(s, b);
}

/* Appends with FILE_APPEND_DATA only: every write lands at the end, one call per line. Under
   Wine such appends from several processes at once can still lose a line (seen: 399 of 400), so
   every run also holds one mutex named after its record file while it appends. */
static void append(const wchar_t *rec, const wchar_t *suffix, const char *data, size_t n) {
  wchar_t name[128] = L"Local\\fake_client.";
  unsigned long hash = 5381;
  for (const wchar_t *c = rec; *c; c++) hash = hash * 33 + (unsigned long)towlower(*c);
  _snwprintf(name + wcslen(name), 32, L"%lx", hash);
  HANDLE lock = CreateMutexW(NULL, FALSE, name);
  if (lock) WaitForSingleObject(lock, 10000);
  HANDLE h = CreateFileW(wcat(rec, suffix), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE |
                         FILE_SHARE_DELETE, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD done;
  if (h != INVALID_HANDLE_VALUE) {
    WriteFile(h, data, (DWORD)n, &done, NULL);
    CloseHandle(h);
  }
  if (lock) { ReleaseMutex(lock); CloseHandle(lock); }
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void line64(Buf *b, const char *key, const char *v, size_t n) {   /* "key\tBASE64\n" */
  adds(b, key);
  add(b, "\t", 1);
  for (size_t i = 0; i < n; i += 3) {
    unsigned x = (unsigned char)v[i] << 16 | (i + 1 < n ? (unsigned char)v[i + 1] << 8 : 0) |
                 (i + 2 < n ? (unsigned char)v[i + 2] : 0);
    char q[4] = {B64[x >> 18], B64[x >> 12 & 63], i + 1 < n ? B64[x >> 6 & 63] : '=', i + 2 < n ? B64[x & 63] : '='};
    add(b, q, 4);
  }
  add(b, "\n", 1);
}

static int unbase64(Buf *out, const char *s, size_t n) {   /* 0 on bad input */
  unsigned x = 0;
  int bits = 0;
  for (size_t i = 0; i < n && s[i] != '='; i++) {
    const char *c = strchr(B64, s[i]);
    if (!c || !s[i]) return 0;
    x = x << 6 | (unsigned)(c - B64);
    if ((bits += 6) >= 8) { char byte = (char)(x >> (bits -= 8)); add(out, &byte, 1); }
  }
  return 1;
}

static void relay_fail(const char *to, const char *why, long code) {
  fprintf(stderr, "fake_client: relay to %s failed: %s", to, why);
  if (code) fprintf(stderr, " (error %ld)", code);
  fputc('\n', stderr);
  exit(97);
}

/* Sends the call to the broker at HOST:PORT and reproduces its answer; does not return. */
static void relay(const char *to, const char *program, int argc, wchar_t **argv, const Buf *in) {
  Buf body = {0}, req = {0}, resp = {0}, out = {0}, err = {0};
  char host[256], len[32], chunk[65536];
  const char *colon = strrchr(to, ':');
  line64(&body, "program", program, strlen(program));
  for (int i = 1; i < argc; i++) { char *a = utf8(argv[i]); line64(&body, "arg", a, strlen(a)); }
  wchar_t cwd[32768];
  GetCurrentDirectoryW(32768, cwd);
  char *c = utf8(cwd);
  line64(&body, "cwd", c, strlen(c));
  for (wchar_t *e = GetEnvironmentStringsW(); e && *e; e += wcslen(e) + 1)
    if (*e != L'=') { char *v = utf8(e); line64(&body, "env", v, strlen(v)); }
  line64(&body, "stdin", in->p, in->n);
  snprintf(len, sizeof len, "%lu", (unsigned long)body.n);
  adds(&req, "POST /relay HTTP/1.0\r\nHost: "); adds(&req, to);
  adds(&req, "\r\nContent-Type: text/plain\r\nContent-Length: "); adds(&req, len);
  adds(&req, "\r\n\r\n"); add(&req, body.p, body.n);

  if (!colon || colon == to || (size_t)(colon - to) >= sizeof host) relay_fail(to, "relay is not HOST:PORT", 0);
  memcpy(host, to, colon - to);
  host[colon - to] = 0;
  WSADATA wsa;
  int rc = WSAStartup(MAKEWORD(2, 2), &wsa);
  if (rc) relay_fail(to, "WSAStartup", rc);
  struct addrinfo hints = {0}, *ai, *a;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if ((rc = getaddrinfo(host, colon + 1, &hints, &ai))) relay_fail(to, "cannot resolve the address", rc);
  SOCKET s = INVALID_SOCKET;
  for (a = ai; a && s == INVALID_SOCKET; a = a->ai_next) {
    s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (s != INVALID_SOCKET && connect(s, a->ai_addr, (int)a->ai_addrlen)) { rc = WSAGetLastError(); closesocket(s); s = INVALID_SOCKET; }
  }
  if (s == INVALID_SOCKET) relay_fail(to, "cannot connect", rc);
  for (size_t sent = 0; sent < req.n;) {
    int n = send(s, req.p + sent, (int)(req.n - sent > 65536 ? 65536 : req.n - sent), 0);
    if (n <= 0) relay_fail(to, "send", WSAGetLastError());
    sent += n;
  }
  shutdown(s, SD_SEND);
  for (int n; (n = recv(s, chunk, sizeof chunk, 0)) != 0;) {
    if (n < 0) relay_fail(to, "recv", WSAGetLastError());
    add(&resp, chunk, n);
  }
  closesocket(s);

  if (!resp.n) relay_fail(to, "empty response", 0);
  if (strncmp(resp.p, "HTTP/1.", 7) || !strchr(resp.p, ' ') || strncmp(strchr(resp.p, ' ') + 1, "200", 3))
    relay_fail(to, "status is not 200", 0);
  char *p = strstr(resp.p, "\r\n\r\n");
  if (p) p += 4;
  else if ((p = strstr(resp.p, "\n\n"))) p += 2;
  else relay_fail(to, "no end of headers", 0);
  long code = 0;
  for (char *end; p < resp.p + resp.n; p = end + 1) {
    if (!(end = memchr(p, '\n', resp.p + resp.n - p))) end = resp.p + resp.n;
    size_t n = end - p;
    if (n && p[n - 1] == '\r') n--;
    if (n > 5 && !strncmp(p, "exit\t", 5)) code = strtol(p + 5, NULL, 10);
    else if (n > 7 && !strncmp(p, "stdout\t", 7)) { if (!unbase64(&out, p + 7, n - 7)) relay_fail(to, "bad base64 in stdout", 0); }
    else if (n > 7 && !strncmp(p, "stderr\t", 7)) { if (!unbase64(&err, p + 7, n - 7)) relay_fail(to, "bad base64 in stderr", 0); }
  }
  fwrite(out.p ? out.p : "", 1, out.n, stdout);
  fwrite(err.p ? err.p : "", 1, err.n, stderr);
  fflush(stdout);
  fflush(stderr);
  exit((int)code);
}

static int run(void) {
  int argc;
  wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (argc >= 3 && !wcscmp(argv[1], L"--child-sleep")) { Sleep((DWORD)_wtoi(argv[2])); return 0; }
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);

  static wchar_t exe[32768], base[32768];
  GetModuleFileNameW(NULL, exe, 32768);
  wcscpy(base, exe);
  size_t bl = wcslen(base);
  if (bl > 4 && !_wcsicmp(base + bl - 4, L".exe")) base[bl - 4] = 0;
  wchar_t *rec = wcat(base, L".calls");

  Buf in = {0}, args = {0}, line = {0}, fake = {0};
  char chunk[65536];
  size_t got;
  add(&in, "", 0);
  /* A console as standard input (a test running `docker logout` itself) means no input: the
     real clients read stdin only for --password-stdin, and nobody types here. */
  if (GetFileType(GetStdHandle(STD_INPUT_HANDLE)) != FILE_TYPE_CHAR)
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) add(&in, chunk, got);
  size_t stripped = in.n;
  while (stripped && (in.p[stripped - 1] == '\r' || in.p[stripped - 1] == '\n')) stripped--;
  add(&args, "", 0);
  for (int i = 1; i < argc; i++) { if (i > 1) add(&args, " ", 1); adds(&args, utf8(argv[i])); }

  add(&line, args.p, args.n); add(&line, "\n", 1);
  append(rec, L".args", line.p, line.n);
  line.n = 0; adds(&line, utf8(GetCommandLineW())); add(&line, "\n", 1);
  append(rec, L".cmdline", line.p, line.n);
  line.n = 0; add(&line, in.p, stripped); add(&line, "\n", 1);
  append(rec, L".stdin", line.p, line.n);
  line.n = 0; add(&line, args.p, args.n); add(&line, "|", 1); add(&line, in.p, stripped); add(&line, "\n", 1);
  append(rec, L".log", line.p, line.n);
  wchar_t tmp[64];
  _snwprintf(tmp, 64, L".stdin.bin.%lu.tmp", GetCurrentProcessId());
  wchar_t *bin = wcat(rec, L".stdin.bin"), *bintmp = wcat(rec, tmp);
  FILE *f = _wfopen(bintmp, L"wb");
  if (f) {   /* concurrent runs may collide on the rename: retry briefly, never leave the temp */
    fwrite(in.p, 1, in.n, f);
    fclose(f);
    for (int i = 0; i < 50 && !MoveFileExW(bintmp, bin, MOVEFILE_REPLACE_EXISTING); i++) Sleep(10);
    DeleteFileW(bintmp);
  }

  /* The behaviour file: key=value lines; values point into the buffer (NULL when absent). */
  const char *exit_s = NULL, *out_s = "Login Succeeded", *err_s = NULL, *match = NULL, *fail_err = "",
             *sleep_s = NULL, *child_s = NULL, *relay_to = NULL, *relay_prog = NULL;
  if ((f = _wfopen(wcat(base, L".fake"), L"rb"))) {
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) add(&fake, chunk, got);
    fclose(f);
    char *p = fake.p, *next;
    if (fake.n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;   /* a BOM */
    for (; p && *p; p = next) {
      if ((next = strchr(p, '\n'))) *next++ = 0;
      size_t n = strlen(p);
      if (n && p[n - 1] == '\r') p[n - 1] = 0;
      char *eq = strchr(p, '=');
      if (!eq) continue;
      *eq = 0;
      const char *v = eq + 1;
      if (!strcmp(p, "exit")) exit_s = v;
      else if (!strcmp(p, "stdout")) out_s = v;
      else if (!strcmp(p, "stderr")) err_s = v;
      else if (!strcmp(p, "fail_match")) match = v;
      else if (!strcmp(p, "fail_stderr")) fail_err = v;
      else if (!strcmp(p, "sleep_ms")) sleep_s = v;
      else if (!strcmp(p, "child_sleep_ms")) child_s = v;
      else if (!strcmp(p, "relay")) relay_to = v;
      else if (!strcmp(p, "relay_program")) relay_prog = v;
    }
  }

  if (child_s) {
    wchar_t cmd[33000];
    _snwprintf(cmd, 33000, L"\"%ls\" --child-sleep %d", exe, atoi(child_s));
    cmd[32999] = 0;
    STARTUPINFOW si = {0};
    PROCESS_INFORMATION pi;
    si.cb = sizeof si;
    if (CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
      char pid[32];
      snprintf(pid, sizeof pid, "%lu\n", pi.dwProcessId);
      append(rec, L".children", pid, strlen(pid));
      CloseHandle(pi.hThread);
      CloseHandle(pi.hProcess);
    }
  }
  if (sleep_s) Sleep((DWORD)atoi(sleep_s));
  if (relay_to && relay_prog) relay(relay_to, relay_prog, argc, argv, &in);
  if (match && *match && strstr(args.p, match)) { fprintf(stderr, "%s\n", fail_err); return 1; }
  if (err_s) fprintf(stderr, "%s\n", err_s);
  if (*out_s) printf("%s\n", out_s);
  fflush(stdout);
  return exit_s ? atoi(exit_s) : 0;
}

/* Arguments come from CommandLineToArgvW either way: wmain (-municode) or main. */
int wmain(int argc, wchar_t **argv) { (void)argc; (void)argv; return run(); }
int main(void) { return run(); }
