/*
 * Go's Windows runtime (1.22 and later) needs ProcessPrng from
 * bcryptprimitives.dll, which Wine 8 (Debian bookworm's) lacks: without it
 * every Go program dies at start ("bcryptprimitives.dll not found").
 * .ci/wine-test builds this stand-in with MinGW and puts it in the Wine
 * prefix's system32, only when the prefix has none. It fills the buffer
 * from RtlGenRandom (advapi32's SystemFunction036), as Windows' own
 * ProcessPrng fills it from the system's generator; it never fails.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG n);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE buf, SIZE_T n)
{
	while (n > 0) {
		ULONG k = n > 0x10000000 ? 0x10000000 : (ULONG)n;
		if (!SystemFunction036(buf, k))
			return FALSE;
		buf += k;
		n -= k;
	}
	return TRUE;
}
