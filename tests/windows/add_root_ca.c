/* Test set-up under Wine: adds a DER certificate to the current user's ROOT store, where
 * rustls-native-certs (through schannel) looks for trusted CAs on Windows.
 * usage: add_root_ca.exe CA.der */
#include <windows.h>
#include <wincrypt.h>
#include <stdio.h>

int main(int argc, char **argv) {
  static BYTE der[65536];
  if (argc != 2) { fprintf(stderr, "usage: add_root_ca CA.der\n"); return 2; }
  FILE *file = fopen(argv[1], "rb");
  if (!file) { fprintf(stderr, "cannot open %s\n", argv[1]); return 2; }
  size_t length = fread(der, 1, sizeof der, file);
  fclose(file);
  if (!CertAddEncodedCertificateToSystemStoreA("ROOT", der, (DWORD)length)) {
    fprintf(stderr, "CertAddEncodedCertificateToSystemStoreA failed: %lu\n", GetLastError());
    return 1;
  }
  printf("added\n");
  return 0;
}
