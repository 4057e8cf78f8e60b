/* credential_helper.c: a docker credential helper for tests, one source for Linux (gcc) and
 * Windows (MinGW), in place of the Python docker-credential-ecrtest beside it (same behaviour and
 * files). Copied as docker-credential-<name>[.exe] into a test folder and found on PATH.
 *
 * Protocol (docker/docker-credential-helpers): `docker-credential-<name> COMMAND`, input on stdin:
 *   store    stdin {"ServerURL":"...","Username":"...","Secret":"..."}: adds or replaces; exit 0
 *   get      stdin the server URL: prints {"ServerURL": ..., "Username": ..., "Secret": ...};
 *            unknown: prints "credentials not found in native keychain", exit 1
 *   erase    stdin the server URL: removes it; exit 0
 *   list     prints {"<url>": "<username>", ...}
 *   version  prints "credential_helper test 1.0"
 *   other    prints usage, exit 1
 * Named docker-credential-wincred or -desktop, store fails like the real Windows Credential
 * Manager helper for a Secret over 2560 bytes (danieljoos/wincred#18): it prints "The stub
 * received bad data." and exits 1, storing nothing.
 *
 * Files, in the helper's own folder (Linux: /proc/self/exe, macOS: _NSGetExecutablePath, Windows:
 * GetModuleFileNameW; shared by the Linux and Windows builds):
 *   store.json  {"<ServerURL>": {"Username": "...", "Secret": "..."}, ...}, written as Python's
 *               json.dump does (ASCII, ", " and ": "), atomically (temp file, then rename); read
 *               tolerating a UTF-8 BOM and whitespace; missing or empty means {}
 *   calls.log   one line per call: the command word
 * Build: gcc -std=c99 -O1 -Wall -Wextra -Werror -o docker-credential-NAME credential_helper.c
 *        x86_64-w64-mingw32-gcc -std=c99 -O1 -Wall -Wextra -Werror -municode -static
 *            -o docker-credential-NAME.exe credential_helper.c   (also links without -municode) */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#define SEP '\\'
#else
#define _XOPEN_SOURCE 700
#ifdef __APPLE__
#define _DARWIN_C_SOURCE
#include <mach-o/dyld.h>   /* _NSGetExecutablePath: macOS has no /proc/self/exe */
#endif
#include <limits.h>
#include <strings.h>
#include <unistd.h>
#define SEP '/'
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *p; size_t n, cap; } Buf;   /* growing byte buffer, always NUL-terminated */
typedef struct { char *url, *user, *secret; } Entry;
static Entry *entries;
static size_t count;

static void die(const char *what) { fprintf(stderr, "credential_helper: %s\n", what); exit(1); }

static void add(Buf *b, const char *data, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n + 1) cap *= 2;
    if (!(b->p = realloc(b->p, cap))) die("out of memory");
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, data, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void addc(Buf *b, char c) { add(b, &c, 1); }

#ifdef _WIN32
static wchar_t *wide(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  wchar_t *w = calloc(n > 0 ? n : 1, sizeof *w);
  if (w && n > 0) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
  return w;
}
static FILE *open_file(const char *path, const char *mode) { return _wfopen(wide(path), wide(mode)); }
static int replace_file(const char *from, const char *to) {
  return MoveFileExW(wide(from), wide(to), MOVEFILE_REPLACE_EXISTING) ? 0 : -1;
}
#else
static FILE *open_file(const char *path, const char *mode) { return fopen(path, mode); }
static int replace_file(const char *from, const char *to) { return rename(from, to); }
#endif

static void read_all(FILE *f, Buf *b) {
  char chunk[65536];
  size_t got;
  add(b, "", 0);
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) add(b, chunk, got);
}

/* ---- JSON: just enough to read objects of strings (other values are skipped) ---- */
typedef struct { const char *p; } Json;
static void ws(Json *j) { while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n') j->p++; }
static void expect(Json *j, char c) { ws(j); if (*j->p != c) die("malformed JSON"); j->p++; }

static unsigned hex4(Json *j) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++, j->p++) {
    char c = *j->p;
    v = v * 16 + (c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                  : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : (die("bad \\u escape"), 0u));
  }
  return v;
}

static void put_utf8(Buf *b, unsigned c) {
  if (c < 0x80) addc(b, (char)c);
  else if (c < 0x800) { addc(b, (char)(0xC0 | c >> 6)); addc(b, (char)(0x80 | (c & 63))); }
  else if (c < 0x10000) { addc(b, (char)(0xE0 | c >> 12)); addc(b, (char)(0x80 | (c >> 6 & 63))); addc(b, (char)(0x80 | (c & 63))); }
  else { addc(b, (char)(0xF0 | c >> 18)); addc(b, (char)(0x80 | (c >> 12 & 63))); addc(b, (char)(0x80 | (c >> 6 & 63))); addc(b, (char)(0x80 | (c & 63))); }
}

static char *jstring(Json *j) {   /* a string value, decoded to UTF-8 */
  Buf b = {0};
  expect(j, '"');
  add(&b, "", 0);
  for (;;) {
    char c = *j->p++;
    if (!c) die("unterminated JSON string");
    if (c == '"') return b.p;
    if (c != '\\') { addc(&b, c); continue; }
    switch (c = *j->p++) {
      case 'n': addc(&b, '\n'); break;
      case 't': addc(&b, '\t'); break;
      case 'r': addc(&b, '\r'); break;
      case 'b': addc(&b, '\b'); break;
      case 'f': addc(&b, '\f'); break;
      case '"': case '\\': case '/': addc(&b, c); break;
      case 'u': {
        unsigned u = hex4(j);
        if (u >= 0xD800 && u < 0xDC00 && j->p[0] == '\\' && j->p[1] == 'u') {   /* surrogate pair */
          Json k = {j->p + 2};
          unsigned lo = hex4(&k);
          if (lo >= 0xDC00 && lo < 0xE000) { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); j->p = k.p; }
        }
        put_utf8(&b, u);
        break;
      }
      default: die("bad JSON escape");
    }
  }
}

static void jskip(Json *j) {   /* any value */
  ws(j);
  if (*j->p == '"') { free(jstring(j)); return; }
  if (*j->p == '{' || *j->p == '[') {
    char close = *j->p == '{' ? '}' : ']';
    j->p++;
    ws(j);
    if (*j->p == close) { j->p++; return; }
    for (;;) {
      if (close == '}') { free(jstring(j)); expect(j, ':'); }
      jskip(j);
      ws(j);
      if (*j->p == close) { j->p++; return; }
      expect(j, ',');
    }
  }
  if (!strchr("-0123456789tfn", *j->p) || !*j->p) die("malformed JSON");
  while (*j->p && !strchr(",]} \t\r\n", *j->p)) j->p++;
}

/* Reads an object, calling field(key, ctx) at each value (which must consume it). */
static void jobject(Json *j, void (*field)(Json *, const char *, void *), void *ctx) {
  expect(j, '{');
  ws(j);
  if (*j->p == '}') { j->p++; return; }
  for (;;) {
    char *key = jstring(j);
    expect(j, ':');
    field(j, key, ctx);
    free(key);
    ws(j);
    if (*j->p == '}') { j->p++; return; }
    expect(j, ',');
  }
}

static void entry_field(Json *j, const char *key, void *ctx) {   /* ServerURL, Username, Secret */
  Entry *e = ctx;
  char **slot = !strcmp(key, "ServerURL") ? &e->url : !strcmp(key, "Username") ? &e->user
              : !strcmp(key, "Secret") ? &e->secret : NULL;
  ws(j);
  if (slot && *j->p == '"') { free(*slot); *slot = jstring(j); }
  else jskip(j);
}

static Entry *find(const char *url) {
  for (size_t i = 0; i < count; i++) if (!strcmp(entries[i].url, url)) return &entries[i];
  return NULL;
}

static void put(Entry e) {   /* replaces in place (keeping the order, as a Python dict does) or appends */
  Entry *old = find(e.url);
  if (old) { *old = e; return; }
  if (!(entries = realloc(entries, (count + 1) * sizeof *entries))) die("out of memory");
  entries[count++] = e;
}

static void store_field(Json *j, const char *key, void *ctx) {   /* "<url>": {"Username", "Secret"} */
  Entry e = {0};
  (void)ctx;
  ws(j);
  if (*j->p != '{') { jskip(j); return; }
  jobject(j, entry_field, &e);
  e.url = strcpy(malloc(strlen(key) + 1), key);
  if (!e.user) e.user = "";
  if (!e.secret) e.secret = "";
  put(e);
}

static void jput(Buf *b, const char *s) {   /* a JSON string as Python's json.dumps writes it */
  const unsigned char *p = (const unsigned char *)s;
  char hex[16];
  addc(b, '"');
  while (*p) {
    unsigned c = *p++;
    if (c >= 0x80) {   /* a UTF-8 sequence: \uXXXX, a surrogate pair above U+FFFF; bad: U+FFFD */
      int more = c >= 0xF8 ? -1 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
      c &= 0x3F >> (more > 0 ? more : 0);
      for (; more > 0 && (*p & 0xC0) == 0x80; more--) c = c << 6 | (*p++ & 0x3F);
      if (more) c = 0xFFFD;
    }
    if (c == '"' || c == '\\') { addc(b, '\\'); addc(b, (char)c); }
    else if (c == '\n') add(b, "\\n", 2);
    else if (c == '\r') add(b, "\\r", 2);
    else if (c == '\t') add(b, "\\t", 2);
    else if (c == '\b') add(b, "\\b", 2);
    else if (c == '\f') add(b, "\\f", 2);
    else if (c >= 0x20 && c < 0x7F) addc(b, (char)c);
    else if (c > 0xFFFF) {
      c -= 0x10000;
      snprintf(hex, sizeof hex, "\\u%04x\\u%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
      add(b, hex, 12);
    } else { snprintf(hex, sizeof hex, "\\u%04x", c); add(b, hex, 6); }
  }
  addc(b, '"');
}

static char *trim(char *s) {
  char *end = s + strlen(s);
  while (*s && strchr(" \t\r\n\v\f", *s)) s++;
  while (end > s && strchr(" \t\r\n\v\f", end[-1])) end--;
  *end = 0;
  return s;
}

static char *self_path(const char *argv0) {
#ifdef _WIN32
  static wchar_t w[32768];
  (void)argv0;
  GetModuleFileNameW(NULL, w, 32768);
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = calloc(n > 0 ? n : 1, 1);
  if (s && n > 0) WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  return s;
#else
  static char s[PATH_MAX];
#ifdef __APPLE__
  char raw[PATH_MAX];
  uint32_t size = sizeof raw;
  if (!_NSGetExecutablePath(raw, &size) && realpath(raw, s)) return s;
#else
  ssize_t n = readlink("/proc/self/exe", s, sizeof s - 1);
  if (n > 0) { s[n] = 0; return s; }
#endif
  return realpath(argv0, s) ? s : (char *)argv0;
#endif
}

static int run(int argc, char **argv) {
  const char *command = argc > 1 ? argv[1] : "";
  char *path = self_path(argv[0]), *slash = strrchr(path, SEP), *name;
#ifdef _WIN32
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  if (strrchr(path, '/') > slash) slash = strrchr(path, '/');
#endif
  name = slash ? slash + 1 : path;
  name = strcpy(malloc(strlen(name) + 1), name);   /* own file name, less .exe */
  size_t nl = strlen(name);
  if (nl > 4 && name[nl - 4] == '.' && strchr("eE", name[nl - 3]) && strchr("xX", name[nl - 2]) && strchr("eE", name[nl - 1]))
    name[nl - 4] = 0;
  Buf dir = {0}, db = {0}, tmp = {0}, in = {0}, text = {0}, out = {0};
  if (slash) add(&dir, path, slash + 1 - path); else add(&dir, "", 0);
  add(&db, dir.p, dir.n); add(&db, "store.json", 10);

  Buf logline = {0};
  add(&dir, "calls.log", 9);
  add(&logline, command, strlen(command)); addc(&logline, '\n');
  FILE *f = open_file(dir.p, "ab");
  if (f) { fwrite(logline.p, 1, logline.n, f); fclose(f); }

  add(&text, "", 0);
  if ((f = open_file(db.p, "rb"))) { read_all(f, &text); fclose(f); }
  Json j = {text.p};
  if (!strncmp(j.p, "\xEF\xBB\xBF", 3)) j.p += 3;
  ws(&j);
  if (*j.p) { jobject(&j, store_field, NULL); ws(&j); if (*j.p) die("trailing data in store.json"); }

  if (!strcmp(command, "version")) { puts("credential_helper test 1.0"); return 0; }
  if (!strcmp(command, "list")) {
    addc(&out, '{');
    for (size_t i = 0; i < count; i++) {
      if (i) add(&out, ", ", 2);
      jput(&out, entries[i].url); add(&out, ": ", 2); jput(&out, entries[i].user);
    }
    add(&out, "}\n", 2);
    fwrite(out.p, 1, out.n, stdout);
    return 0;
  }
  if (strcmp(command, "store") && strcmp(command, "get") && strcmp(command, "erase")) {
    printf("unknown command: %s\nusage: %s store|get|erase|list|version\n", command, name);
    return 1;
  }
  read_all(stdin, &in);
  if (!strcmp(command, "get")) {
    Entry *e = find(trim(in.p));
    if (!e) { puts("credentials not found in native keychain"); return 1; }
    add(&out, "{\"ServerURL\": ", 14); jput(&out, e->url);
    add(&out, ", \"Username\": ", 14); jput(&out, e->user);
    add(&out, ", \"Secret\": ", 12); jput(&out, e->secret);
    add(&out, "}\n", 2);
    fwrite(out.p, 1, out.n, stdout);
    return 0;
  }
  if (!strcmp(command, "store")) {
    Entry e = {0};
    Json k = {in.p};
    jobject(&k, entry_field, &e);
    if (!e.url || !e.user || !e.secret) die("store needs ServerURL, Username and Secret");
#ifdef _WIN32
    int wincred = !_stricmp(name, "docker-credential-wincred") || !_stricmp(name, "docker-credential-desktop");
#else
    int wincred = !strcasecmp(name, "docker-credential-wincred") || !strcasecmp(name, "docker-credential-desktop");
#endif
    if (wincred && strlen(e.secret) > 2560) { puts("The stub received bad data."); return 1; }
    put(e);
  } else {   /* erase */
    Entry *e = find(trim(in.p));
    if (e) { memmove(e, e + 1, (entries + count - (e + 1)) * sizeof *e); count--; }
  }

  addc(&out, '{');   /* store.json as json.dump writes it, replaced atomically */
  for (size_t i = 0; i < count; i++) {
    if (i) add(&out, ", ", 2);
    jput(&out, entries[i].url); add(&out, ": {\"Username\": ", 15); jput(&out, entries[i].user);
    add(&out, ", \"Secret\": ", 12); jput(&out, entries[i].secret); addc(&out, '}');
  }
  addc(&out, '}');
  char suffix[64];
#ifdef _WIN32
  snprintf(suffix, sizeof suffix, ".tmp-%lu", (unsigned long)GetCurrentProcessId());
#else
  snprintf(suffix, sizeof suffix, ".tmp-%ld", (long)getpid());
#endif
  add(&tmp, db.p, db.n); add(&tmp, suffix, strlen(suffix));
  if (!(f = open_file(tmp.p, "wb"))) die("cannot write store.json");
  size_t wrote = fwrite(out.p, 1, out.n, f);
  if (fclose(f) || wrote != out.n || replace_file(tmp.p, db.p)) { remove(tmp.p); die("cannot write store.json"); }
  return 0;
}

#ifdef _WIN32
int wmain(int argc, wchar_t **wargv) {   /* -municode: the arguments in UTF-8 */
  char **argv = calloc(argc + 1, sizeof *argv);
  for (int i = 0; i < argc; i++) {
    int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
    argv[i] = calloc(n > 0 ? n : 1, 1);
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, argv[i], n, NULL, NULL);
  }
  return run(argc, argv);
}
#endif
int main(int argc, char **argv) { return run(argc, argv); }
