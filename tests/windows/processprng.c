/* Wine 8.0 lacks bcryptprimitives.dll, which Rust std (1.78+) imports for ProcessPrng.
 * Test-only stand-in: forwards to RtlGenRandom (SystemFunction036 in advapi32). */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk; len -= chunk;
  }
  return TRUE;
}
