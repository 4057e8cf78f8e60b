using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace EcrAuth.Native
{
    /// <summary>One registry's login from a fetch. <see cref="Password"/> is UTF-8 bytes: clear it once used.</summary>
    public sealed class NativeLogin
    {
        /// <summary>The registry host the client logs in to.</summary>
        public string Registry { get; internal set; }

        /// <summary>The user name (AWS).</summary>
        public string Username { get; internal set; }

        /// <summary>When the login expires (UTC).</summary>
        public DateTime ExpiresAt { get; internal set; }

        /// <summary>The registry's proxy endpoint URL.</summary>
        public string ProxyEndpoint { get; internal set; }

        /// <summary>The registry password, UTF-8: a secret. Clear the array once used.</summary>
        public byte[] Password { get; internal set; }
    }

    /// <summary>One registry (or request) that could not be fetched.</summary>
    public sealed class NativeFailure
    {
        /// <summary>The registry that failed; empty for the credentials' own registry.</summary>
        public string Target { get; internal set; }

        /// <summary>Its ecr_auth_status.</summary>
        public int Status { get; internal set; }

        /// <summary>What went wrong (never a secret).</summary>
        public string Message { get; internal set; }
    }

    /// <summary>What <see cref="NativeFetch.Fetch"/> returns.</summary>
    public sealed class NativeFetchResult
    {
        /// <summary>The call's ecr_auth_status.</summary>
        public int Status { get; internal set; }

        /// <summary>The call's error message (the error buffer), empty on success.</summary>
        public string Message { get; internal set; }

        /// <summary>Whether registries were tried (the library returned a result).</summary>
        public bool Tried { get; internal set; }

        /// <summary>The logins, passwords copied out.</summary>
        public NativeLogin[] Logins { get; internal set; }

        /// <summary>The registries that failed.</summary>
        public NativeFailure[] Failures { get; internal set; }
    }

    /// <summary>
    /// One ecr_auth_fetch call: the packed request in, the logins and failures out, the native
    /// result freed (which wipes its passwords) before returning.
    /// </summary>
    public static class NativeFetch
    {
        /// <summary>Binds the module's native library (its full path); once per process.</summary>
        public static void Bind(string libraryPath)
        {
            LibraryBinding.Bind(libraryPath);
        }

        /// <summary>Whether <see cref="Bind"/> has run in this process.</summary>
        public static bool IsBound => LibraryBinding.IsBound;

        /// <summary>Fetches with a packed request (see the header's ecr_auth_fetch). Does not clear <paramref name="request"/>.</summary>
        public static NativeFetchResult Fetch(byte[] request)
        {
            if (request == null)
            {
                throw new ArgumentNullException(nameof(request));
            }
            var error = new byte[1024];
            int status = NativeMethods.ecr_auth_fetch(request, (UIntPtr)request.Length, out IntPtr handle, error, (UIntPtr)error.Length);
            var result = new NativeFetchResult { Status = status, Message = ReadBuffer(error), Tried = handle != IntPtr.Zero };
            var logins = new List<NativeLogin>();
            var failures = new List<NativeFailure>();
            try
            {
                if (handle != IntPtr.Zero)
                {
                    ulong count = NativeMethods.ecr_auth_result_count(handle).ToUInt64();
                    for (ulong i = 0; i < count; i++)
                    {
                        var index = (UIntPtr)i;
                        logins.Add(new NativeLogin
                        {
                            Registry = ReadString(NativeMethods.ecr_auth_result_registry(handle, index)),
                            Username = ReadString(NativeMethods.ecr_auth_result_username(handle, index)),
                            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(NativeMethods.ecr_auth_result_expires_at(handle, index)).UtcDateTime,
                            ProxyEndpoint = ReadString(NativeMethods.ecr_auth_result_proxy_endpoint(handle, index)),
                            Password = Copy(NativeMethods.ecr_auth_result_password(handle, index), NativeMethods.ecr_auth_result_password_len(handle, index)),
                        });
                    }
                    count = NativeMethods.ecr_auth_result_failure_count(handle).ToUInt64();
                    for (ulong i = 0; i < count; i++)
                    {
                        var index = (UIntPtr)i;
                        failures.Add(new NativeFailure
                        {
                            Target = ReadString(NativeMethods.ecr_auth_result_failure_target(handle, index)),
                            Status = NativeMethods.ecr_auth_result_failure_status(handle, index),
                            Message = ReadString(NativeMethods.ecr_auth_result_failure_message(handle, index)),
                        });
                    }
                }
            }
            catch
            {
                foreach (NativeLogin login in logins)
                {
                    Array.Clear(login.Password, 0, login.Password.Length);
                }
                throw;
            }
            finally
            {
                if (handle != IntPtr.Zero)
                {
                    NativeMethods.ecr_auth_result_free(handle);
                }
            }
            result.Logins = logins.ToArray();
            result.Failures = failures.ToArray();
            return result;
        }

        /// <summary>Drops the tokens the library keeps for reuse in this process.</summary>
        public static void ForgetTokens()
        {
            NativeMethods.ecr_auth_forget_tokens();
        }

        // One copy of a password whose length the library gives (no scan for its NUL).
        private static byte[] Copy(IntPtr pointer, UIntPtr length)
        {
            var bytes = new byte[pointer == IntPtr.Zero ? 0 : checked((int)length.ToUInt64())];
            if (bytes.Length > 0)
            {
                Marshal.Copy(pointer, bytes, 0, bytes.Length);
            }
            return bytes;
        }

        // A NUL-terminated UTF-8 string (netstandard2.0 has no Marshal.PtrToStringUTF8).
        private static string ReadString(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
            {
                return string.Empty;
            }
            int length = 0;
            while (Marshal.ReadByte(pointer, length) != 0)
            {
                length++;
            }
            var bytes = new byte[length];
            Marshal.Copy(pointer, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        private static string ReadBuffer(byte[] buffer)
        {
            int end = Array.IndexOf(buffer, (byte)0);
            return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
        }
    }
}
