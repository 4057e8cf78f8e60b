using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text.RegularExpressions;
using EcrAuth.Native;

namespace EcrAuth.Engine
{
    /// <summary>What a fetch returns: logins (passwords as bytes the caller clears) and per-registry failures.</summary>
    public sealed class FetchOutcome
    {
        /// <summary>The logins, in the library's order.</summary>
        public List<NativeLogin> Logins { get; } = new List<NativeLogin>();

        /// <summary>The registries (or the request) that failed.</summary>
        public List<Failure> Failures { get; } = new List<Failure>();

        /// <summary>Clears every password (for paths that stop before using them).</summary>
        public void ClearPasswords()
        {
            foreach (NativeLogin login in Logins)
            {
                Array.Clear(login.Password, 0, login.Password.Length);
            }
        }
    }

    /// <summary>Fetches the logins of a request with one native call, and names each failure as a user would want.</summary>
    public static class Fetcher
    {
        private static readonly Regex ValidProfileName = new Regex(@"[\s\[\]\p{Cc}]");
        private static readonly Regex SsoRefused = new Regex("UnauthorizedException|Session token not found or invalid|SSO session .*expired");

        /// <summary>
        /// Binds the native library for this process's platform, once: <paramref name="moduleBase"/>/&lt;rid&gt;/&lt;library&gt;,
        /// or a terminating error that names what this copy has and how to get the missing one.
        /// </summary>
        public static void BindNative(string moduleBase)
        {
            if (!NativeFetch.IsBound)
            {
                NativeFetch.Bind(NativeLibraryPath(moduleBase, Platform.RuntimeId()));
            }
        }

        /// <summary>The native library's path for <paramref name="runtimeId"/>, or an <see cref="ErrorRecordException"/> (NativeLibraryMissing).</summary>
        public static string NativeLibraryPath(string moduleBase, string runtimeId)
        {
            string path = Path.Combine(moduleBase, runtimeId, Platform.NativeLibraryName(runtimeId));
            if (!File.Exists(path))
            {
                var present = new List<string>();
                foreach (string dir in Directory.GetDirectories(moduleBase))
                {
                    string name = Path.GetFileName(dir);
                    if (Regex.IsMatch(name, "^(win|linux|osx)-") && File.Exists(Path.Combine(dir, Platform.NativeLibraryName(name))))
                    {
                        present.Add(name);
                    }
                }
                string how = "Build it from the source on this machine (Rust from rustup, then: pwsh ./build.ps1 Build), which stages it there.";
                if (runtimeId == "win-x86")
                {
                    how = "Run the 64-bit PowerShell instead (32-bit PowerShell is not supported).";
                }
                else if (runtimeId == "win-arm64")
                {
                    how = "Run an x64 PowerShell (it runs under emulation and uses win-x64), or b" + how.Substring(1);
                }
                string message = "EcrAuth has no native library for this platform, " + runtimeId + " (expected '" + path + "'); " +
                    "this copy has libraries for: " + (present.Count > 0 ? string.Join(", ", present) : "none") + ". " + how;
                throw new ErrorRecordException(
                    Failures.New(message, "NativeLibraryMissing", ErrorCategory.NotInstalled, new FileNotFoundException(message, path), path));
            }
            return path;
        }

        /// <summary>
        /// Fetches what <paramref name="request"/> asks for. A registry that fails leaves the
        /// others' logins. Throws only when the library itself is missing.
        /// </summary>
        public static FetchOutcome Fetch(FetchRequest request, bool reuseTokens, string moduleBase)
        {
            BindNative(moduleBase);
            var outcome = new FetchOutcome();
            if (request.Source == CredentialSource.Profile && !ValidProfileName.IsMatch(request.Profile) && request.Profile.Length <= 128 &&
                !AwsProfiles.Names().Contains(request.Profile))
            {
                // The SDK would fall back to the default chain's "no credentials": name what is missing.
                outcome.Failures.Add(new Failure(request.Profile, 11,
                    "The AWS profile '" + request.Profile + "' was not found in " + AwsProfiles.ConfigFile + " or " + AwsProfiles.CredentialsFile +
                    " (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE).", Failures.ProfileNotFound));
                return outcome;
            }
            byte[] packed = request.Pack(reuseTokens, out Failure packFailure);
            if (packFailure != null)
            {
                outcome.Failures.Add(packFailure);
                return outcome;
            }
            NativeFetchResult fetched;
            try
            {
                fetched = NativeFetch.Fetch(packed);
            }
            finally
            {
                Array.Clear(packed, 0, packed.Length); // it held the secrets
            }
            if (!fetched.Tried)
            {
                // Nothing was tried (bad input, no credentials, ...): one failure for the request.
                if (fetched.Status != 0)
                {
                    var failure = new Failure(request.Target, fetched.Status, "Could not get an ECR authorization token: " + fetched.Message);
                    if (request.Source == CredentialSource.Profile && SsoRefused.IsMatch(fetched.Message))
                    {
                        // IAM Identity Center refused the cached session (expired or signed out): say what the AWS CLI says.
                        failure.Message = "The SSO session of profile " + request.Profile + " has expired or was signed out: run aws sso login --profile " +
                            request.Profile + ", then try again.";
                        failure.Kind = Failures.SsoSessionExpired;
                    }
                    outcome.Failures.Add(failure);
                }
                return outcome;
            }
            outcome.Logins.AddRange(fetched.Logins);
            foreach (NativeFailure failure in fetched.Failures)
            {
                string target = failure.Target.Length > 0 ? failure.Target : request.Region; // the credentials' own registry
                string about = fetched.Failures.Length > 1 || outcome.Logins.Count > 0 ? " for " + target : string.Empty;
                outcome.Failures.Add(new Failure(target, failure.Status, "Could not get an ECR authorization token" + about + ": " + failure.Message));
            }
            return outcome;
        }
    }

    /// <summary>An exception that carries its own ErrorRecord (the id and category a user's catch sees).</summary>
    public sealed class ErrorRecordException : RuntimeException
    {
        /// <summary>Wraps <paramref name="record"/>.</summary>
        public ErrorRecordException(ErrorRecord record)
            : base(record.Exception.Message, record.Exception)
        {
            Record = record;
        }

        /// <summary>The record a cmdlet throws as a terminating error.</summary>
        public ErrorRecord Record { get; }

        /// <inheritdoc />
        public override ErrorRecord ErrorRecord => Record;
    }
}
