/*
 * bcryptprimitives.dll for Wine 8, which has none: Rust's standard library
 * (1.78 on) imports ProcessPrng from it for its random numbers (HashMap's
 * keys), so without it no Rust DLL loads. This one forwards to advapi32's
 * RtlGenRandom (SystemFunction036), which Wine has. For the tests under Wine
 * only (platforms/wine.sh builds it into the test prefix); Windows 10 and
 * later have the real one.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
