using System;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace EcrAuth.Native
{
    /// <summary>
    /// Binds <c>[DllImport("ecr_auth")]</c> to the module's library for this platform
    /// (<c>&lt;module&gt;/&lt;rid&gt;/libecr_auth.so</c>, <c>ecr_auth.dll</c>, <c>libecr_auth.dylib</c>), which
    /// .NET's own probing would not find in a subfolder. On .NET Core 3+ (PowerShell 7) a
    /// resolver for this assembly loads it by full path; NativeLibrary is newer than
    /// netstandard2.0, so it is reached by reflection (once). On .NET Framework (Windows
    /// PowerShell 5.1, Windows only) the DLL is loaded by full path first: Windows then binds the
    /// import by its name to the module already loaded.
    /// </summary>
    internal static class LibraryBinding
    {
        private static readonly object Gate = new object();
        private static string boundPath;
        private static MethodInfo loadByPath;

        /// <summary>Whether a library is bound.</summary>
        internal static bool IsBound => boundPath != null;

        /// <summary>Binds the library at <paramref name="path"/>; later calls with any path do nothing.</summary>
        internal static void Bind(string path)
        {
            lock (Gate)
            {
                if (boundPath != null)
                {
                    return;
                }
                Type nativeLibrary = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary");
                Type resolverType = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.DllImportResolver");
                if (nativeLibrary != null && resolverType != null)
                {
                    loadByPath = nativeLibrary.GetMethod("Load", new[] { typeof(string) });
                    MethodInfo setResolver = nativeLibrary.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
                    MethodInfo resolve = typeof(LibraryBinding).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static);
                    setResolver.Invoke(null, new object[] { typeof(LibraryBinding).Assembly, Delegate.CreateDelegate(resolverType, resolve) });
                }
                else if (NativeMethods.LoadLibraryW(path) == IntPtr.Zero)
                {
                    int code = Marshal.GetLastWin32Error();
                    throw new DllNotFoundException("Could not load " + path + ": " + new Win32Exception(code).Message);
                }
                boundPath = path;
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != NativeMethods.Library)
            {
                return IntPtr.Zero;
            }
            try
            {
                return (IntPtr)loadByPath.Invoke(null, new object[] { boundPath });
            }
            catch (TargetInvocationException error)
            {
                throw error.InnerException;
            }
        }
    }
}
