using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace EcrAuth.Engine
{
    /// <summary>Where a request's credentials come from.</summary>
    public enum CredentialSource
    {
        /// <summary>-AccessKey/-SecretKey or -Credential.</summary>
        Static,

        /// <summary>-ProfileName.</summary>
        Profile,

        /// <summary>-UseDefaultCredentials.</summary>
        Default,
    }

    /// <summary>
    /// What the caller asked for: the request one ecr_auth_fetch call sends, and what the state
    /// records remember. The secrets stay SecureStrings here; only <see cref="Pack"/> turns
    /// them into bytes, which the caller clears.
    /// </summary>
    public sealed class FetchRequest
    {
        // ecr_auth_option values (include/ecr_auth.h).
        private const int AccessKeyIdOption = 1, SecretAccessKeyOption = 2, SessionTokenOption = 3, RegionOption = 4,
            EndpointUrlOption = 5, RegistryIdOption = 6, RegistryOption = 7, ProfileOption = 8, DefaultCredentialsOption = 9,
            PublicOption = 10, CaBundleOption = 11, ReuseTokensOption = 12, TimeoutMsOption = 13, EnvironmentOption = 14, RoleArnOption = 15;

        // The variables the library reads: AWS settings, the home folder (shared AWS files), proxies.
        private static readonly Regex EnvironmentNames = new Regex("^(AWS_.*|HOME|USERPROFILE|HOMEDRIVE|HOMEPATH|(HTTPS?|NO|ALL)_PROXY)$", RegexOptions.IgnoreCase);

        /// <summary>Where the credentials come from.</summary>
        public CredentialSource Source { get; set; } = CredentialSource.Static;

        /// <summary>The access key id (static credentials).</summary>
        public string AccessKey { get; set; } = string.Empty;

        /// <summary>The secret key (static credentials).</summary>
        public SecureString SecretKey { get; set; }

        /// <summary>The session token, or null.</summary>
        public SecureString SessionToken { get; set; }

        /// <summary>The profile name (-ProfileName).</summary>
        public string Profile { get; set; } = string.Empty;

        /// <summary>A role to assume with the credentials, or "".</summary>
        public string RoleArn { get; set; } = string.Empty;

        /// <summary>The region, or "" for the configured one.</summary>
        public string Region { get; set; } = string.Empty;

        /// <summary>Account ids whose registries to fetch.</summary>
        public List<string> RegistryIds { get; } = new List<string>();

        /// <summary>Registry hosts to fetch.</summary>
        public List<string> Registries { get; } = new List<string>();

        /// <summary>ECR Public.</summary>
        public bool Public { get; set; }

        /// <summary>The ECR endpoint URL, or "".</summary>
        public string EndpointUrl { get; set; } = string.Empty;

        /// <summary>The CA bundle's full path, or "".</summary>
        public string CaBundle { get; set; } = string.Empty;

        /// <summary>The token request's time limit, in seconds.</summary>
        public int TimeoutSec { get; set; } = 30;

        /// <summary>The container client.</summary>
        public string Client { get; set; } = "docker";

        /// <summary>What the credentials are, for messages: "profile x", "the default credential chain", "key AKID...", then " assuming ROLE".</summary>
        public string SourceText =>
            (Source == CredentialSource.Profile ? "profile " + Profile
            : Source == CredentialSource.Default ? "the default credential chain" : "key " + AccessKey) +
            (RoleArn.Length > 0 ? " assuming " + RoleArn : string.Empty);

        /// <summary>What a failure of the whole request is about: the hosts, ECR Public, or the region.</summary>
        public string Target => Registries.Count > 0 ? string.Join(", ", Registries) : Public ? "public.ecr.aws" : Region;

        /// <summary>
        /// The request as ecr_auth_fetch takes it: "&lt;option&gt;=&lt;value&gt;" entries, each ending in a NUL
        /// byte, UTF-8. A value holding a NUL would be cut short: it is a usage failure (an
        /// environment variable is left out instead). The caller clears the bytes: they hold the
        /// secrets, which are copied from their SecureStrings without a managed string.
        /// </summary>
        public byte[] Pack(bool reuseTokens, out Failure failure)
        {
            failure = null;
            var buffer = new SecretBuffer();
            try
            {
                switch (Source)
                {
                    case CredentialSource.Profile:
                        failure = buffer.Add(ProfileOption, Profile, "profile name");
                        break;
                    case CredentialSource.Default:
                        buffer.Add(DefaultCredentialsOption, "1", "credential source");
                        break;
                    default:
                        failure = buffer.Add(AccessKeyIdOption, AccessKey, "access key")
                            ?? buffer.AddSecret(SecretAccessKeyOption, SecretKey, "secret key")
                            ?? (SessionToken != null && SessionToken.Length > 0 ? buffer.AddSecret(SessionTokenOption, SessionToken, "session token") : null);
                        break;
                }
                if (failure == null && RoleArn.Length > 0)
                {
                    failure = buffer.Add(RoleArnOption, RoleArn, "role ARN");
                }
                if (failure == null && Region.Length > 0)
                {
                    failure = buffer.Add(RegionOption, Region, "region");
                }
                if (failure == null && EndpointUrl.Length > 0)
                {
                    failure = buffer.Add(EndpointUrlOption, EndpointUrl, "endpoint URL");
                }
                if (failure == null && CaBundle.Length > 0)
                {
                    failure = buffer.Add(CaBundleOption, CaBundle, "CA bundle");
                }
                foreach (string id in RegistryIds)
                {
                    failure = failure ?? buffer.Add(RegistryIdOption, id, "registry id");
                }
                foreach (string host in Registries)
                {
                    failure = failure ?? buffer.Add(RegistryOption, host, "registry");
                }
                if (Public)
                {
                    buffer.Add(PublicOption, "1", "ECR Public switch");
                }
                if (reuseTokens)
                {
                    buffer.Add(ReuseTokensOption, "1", "token reuse switch");
                }
                buffer.Add(TimeoutMsOption, (TimeoutSec * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), "timeout");
                // .NET on Linux and macOS keeps environment changes from native code: hand the
                // library .NET's (and so PowerShell's) own view of the environment.
                foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
                {
                    string name = (string)entry.Key, value = (string)entry.Value ?? string.Empty;
                    if (EnvironmentNames.IsMatch(name) && value.IndexOf('\0') < 0 && name.IndexOf('\0') < 0)
                    {
                        buffer.Add(EnvironmentOption, name + "=" + value, "environment variable");
                    }
                }
                if (failure != null)
                {
                    buffer.Clear();
                    return null;
                }
                return buffer.ToArray();
            }
            finally
            {
                buffer.Clear();
            }
        }

        // The packed entries, grown in place; every copy it drops is zeroed first.
        private sealed class SecretBuffer
        {
            private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
            private byte[] bytes = new byte[4096];
            private int length;

            internal Failure Add(int option, string value, string name)
            {
                if (value.IndexOf('\0') >= 0)
                {
                    return new Failure(name, 1, "The " + name + " contains a NUL character.");
                }
                AddPrefix(option);
                Ensure(Utf8.GetMaxByteCount(value.Length) + 1);
                length += Utf8.GetBytes(value, 0, value.Length, bytes, length);
                length++; // the NUL after each entry (the array is zeroed)
                return null;
            }

            internal Failure AddSecret(int option, SecureString value, string name)
            {
                IntPtr unicode = IntPtr.Zero;
                char[] chars = new char[value == null ? 0 : value.Length];
                try
                {
                    if (chars.Length > 0)
                    {
                        unicode = Marshal.SecureStringToGlobalAllocUnicode(value);
                        Marshal.Copy(unicode, chars, 0, chars.Length);
                    }
                    if (Array.IndexOf(chars, '\0') >= 0)
                    {
                        return new Failure(name, 1, "The " + name + " contains a NUL character.");
                    }
                    AddPrefix(option);
                    Ensure(Utf8.GetMaxByteCount(chars.Length) + 1);
                    length += Utf8.GetBytes(chars, 0, chars.Length, bytes, length);
                    length++;
                    return null;
                }
                finally
                {
                    Array.Clear(chars, 0, chars.Length);
                    if (unicode != IntPtr.Zero)
                    {
                        Marshal.ZeroFreeGlobalAllocUnicode(unicode);
                    }
                }
            }

            internal byte[] ToArray()
            {
                var copy = new byte[length];
                Buffer.BlockCopy(bytes, 0, copy, 0, length);
                return copy;
            }

            internal void Clear()
            {
                Array.Clear(bytes, 0, bytes.Length);
                length = 0;
            }

            private void AddPrefix(int option)
            {
                string prefix = option.ToString(System.Globalization.CultureInfo.InvariantCulture) + "=";
                Ensure(prefix.Length);
                length += Utf8.GetBytes(prefix, 0, prefix.Length, bytes, length);
            }

            private void Ensure(int more)
            {
                if (length + more <= bytes.Length)
                {
                    return;
                }
                var larger = new byte[Math.Max(bytes.Length * 2, length + more)];
                Buffer.BlockCopy(bytes, 0, larger, 0, length);
                Array.Clear(bytes, 0, bytes.Length);
                bytes = larger;
            }
        }
    }
}
