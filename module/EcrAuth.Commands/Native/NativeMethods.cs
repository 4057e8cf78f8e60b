using System;
using System.Runtime.InteropServices;

namespace EcrAuth.Native
{
    /// <summary>
    /// Every call into libecr_auth (include/ecr_auth.h), in this one file. The name "ecr_auth" is
    /// bound to the module's own library for this platform by <see cref="LibraryBinding"/>.
    /// </summary>
    internal static class NativeMethods
    {
        internal const string Library = "ecr_auth";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int ecr_auth_fetch(byte[] options, UIntPtr optionsLength, out IntPtr result, [In, Out] byte[] errorBuffer, UIntPtr errorLength);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr ecr_auth_result_count(IntPtr result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ecr_auth_result_registry(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ecr_auth_result_proxy_endpoint(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ecr_auth_result_username(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ecr_auth_result_password(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr ecr_auth_result_password_len(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern long ecr_auth_result_expires_at(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr ecr_auth_result_failure_count(IntPtr result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ecr_auth_result_failure_target(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int ecr_auth_result_failure_status(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ecr_auth_result_failure_message(IntPtr result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void ecr_auth_result_free(IntPtr result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void ecr_auth_forget_tokens();

        // Windows PowerShell 5.1 (.NET Framework) only: see LibraryBinding.
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
        internal static extern IntPtr LoadLibraryW(string path);
    }
}
