using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EcrAuth.Engine
{
    /// <summary>
    /// The repeat check: a login of the same request that has more than the margin left, and is
    /// still in the client's auth file (or its credential store), needs nothing done.
    /// </summary>
    public static class RepeatCheck
    {
        /// <summary>A login is reused (and Get-EcrConnection calls it Valid) only while it has this long left.</summary>
        public const int ReuseMarginSeconds = 900;

        /// <summary>The name EcrAuth's helper has in credHelpers (docker-credential-ecrauth).</summary>
        public const string OwnHelper = "ecrauth";

        private static readonly Regex CredHelpers = new Regex("\"credHelpers\"\\s*:\\s*\\{([^}]*)\\}");
        private static readonly Regex CredsStore = new Regex("\"credsStore\"\\s*:\\s*\"([^\"]*)\"");
        private static readonly Regex HelperName = new Regex("^[A-Za-z0-9._-]+$");

        /// <summary>
        /// What a request is, for the repeat check: identity, region, registries, endpoint, client
        /// and the client's auth file, hashed (the access key id is part of it, so it is not kept
        /// as text). <paramref name="region"/> is null when -Region was not given.
        /// </summary>
        public static string RequestKey(string parameterSet, string accessKey, string profile, string region,
            IEnumerable<string> registryIds, IEnumerable<string> registries, bool isPublic, string endpointUrl, string client, string roleArn = null)
        {
            string identity;
            if (parameterSet == "Profile")
            {
                identity = "profile:" + profile + ":" + Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") + ":" + Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
            }
            else if (parameterSet == "Default")
            {
                identity = "default:" + Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") + ":" + Environment.GetEnvironmentVariable("AWS_PROFILE") + ":" +
                    Environment.GetEnvironmentVariable("AWS_ROLE_ARN") + ":" + Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
            }
            else
            {
                identity = "key:" + accessKey;
            }
            if (!string.IsNullOrEmpty(roleArn))
            {
                identity += "\nrole:" + roleArn;
            }
            if (string.IsNullOrEmpty(region))
            {
                // Keys default to us-east-1; profiles and the default chain resolve theirs: key on those.
                region = parameterSet == "Keys" || parameterSet == "Credential" ? "us-east-1"
                    : "resolved:" + Environment.GetEnvironmentVariable("AWS_REGION") + ":" + Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") + ":" + Environment.GetEnvironmentVariable("AWS_PROFILE");
            }
            // public.ecr.aws given as a host means ECR Public.
            var hosts = new List<string>();
            foreach (string name in registries ?? new string[0])
            {
                if (name == "public.ecr.aws")
                {
                    isPublic = true;
                }
                else
                {
                    hosts.Add(name);
                }
            }
            string ids = string.Empty;
            foreach (string id in registryIds ?? new string[0])
            {
                ids += id + ",";
            }
            string endpoint = string.IsNullOrEmpty(endpointUrl) ? "env:" + Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_ECR") : endpointUrl;
            string text = identity + "\n" + region + "\n" + ids + "\n" + string.Join(",", hosts) + "\n" + (isPublic ? "True" : "False") + "\n" +
                endpoint + "\n" + client + "\n" + Platform.ClientAuthFile(client);
            return Sha256Hex(text);
        }

        /// <summary>
        /// Lower-case hex SHA-256 of a string's UTF-8 bytes, from the operating system's validated
        /// module: on .NET Framework SHA256.Create() gives the managed class, which throws under
        /// the FIPS policy (a common corporate setting), so 5.1 takes CAPI's provider.
        /// </summary>
        public static string Sha256Hex(string text)
        {
            using (SHA256 sha = Platform.IsCore ? SHA256.Create() : new SHA256CryptoServiceProvider())
            {
                return BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(text))).Replace("-", string.Empty).ToLowerInvariant();
            }
        }

        /// <summary>
        /// Whether the text of a docker-format auth file ({"auths": {"HOST": {...}}, "credHelpers":
        /// {"HOST": "..."}}) has HOST (or a URL of it) as a key. A key search rather than a JSON
        /// parse: these files have no other keys that are registry hosts.
        /// </summary>
        public static bool AuthFileHasHost(string text, string registry)
        {
            string needle = registry + "\"";
            int index = text.IndexOf(needle, StringComparison.OrdinalIgnoreCase);
            while (index > 0)
            {
                if (text[index - 1] == '"' || (index > 3 && string.CompareOrdinal(text, index - 3, "://", 0, 3) == 0))
                {
                    int next = index + needle.Length;
                    while (next < text.Length && char.IsWhiteSpace(text[next]))
                    {
                        next++;
                    }
                    if (next < text.Length && text[next] == ':')
                    {
                        return true;
                    }
                }
                index = text.IndexOf(needle, index + 1, StringComparison.OrdinalIgnoreCase);
            }
            return false;
        }

        /// <summary>The client's auth file's text, or "" when it has none or it cannot be read.</summary>
        public static string AuthFileText(string client)
        {
            string path = Platform.ClientAuthFile(client);
            try
            {
                return path.Length > 0 && File.Exists(path) ? File.ReadAllText(path) : string.Empty;
            }
            catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }

        /// <summary>
        /// The credential helper that holds <paramref name="registry"/>'s login per a docker-format
        /// auth file: its "credHelpers" entry, else "credsStore" (Docker Desktop: desktop; wincred,
        /// osxkeychain, pass, ...); "" when the file holds the login itself.
        /// </summary>
        public static string CredentialHelperName(string text, string registry)
        {
            Match helpers = CredHelpers.Match(text);
            if (helpers.Success)
            {
                Match entry = Regex.Match(helpers.Groups[1].Value, "\"" + Regex.Escape(registry) + "\"\\s*:\\s*\"([^\"]*)\"", RegexOptions.IgnoreCase);
                if (entry.Success)
                {
                    return entry.Groups[1].Value;
                }
            }
            Match store = CredsStore.Match(text);
            return store.Success ? store.Groups[1].Value : string.Empty;
        }

        /// <summary>
        /// What `docker-credential-&lt;name&gt; list` answers (JSON: server URL to user name), or null
        /// if the helper is missing, fails or takes over 5 seconds: then nothing is vouched for.
        /// </summary>
        public static string CredentialHelperList(string name, Func<string, string> resolve)
        {
            // A plain name only: with a path in it, the lookup would run a program outside PATH.
            if (!HelperName.IsMatch(name) || name.Contains(".."))
            {
                return null;
            }
            string path = resolve("docker-credential-" + name);
            if (path == null)
            {
                return null;
            }
            ClientRun run = ClientRunner.Run(path, new[] { "list" }, null, 5);
            return run.NotRun == null && !run.TimedOut && run.ExitCode == 0 ? run.Output : null;
        }

        /// <summary>
        /// The remembered logins of request <paramref name="key"/>, if every one has more than the
        /// margin left and is still in the client's auth file; null otherwise, also when the client
        /// has no file EcrAuth can check, or a file cannot be read (then EcrAuth logs in again).
        /// A login served by EcrAuth's credential helper has no margin to keep (the helper renews its
        /// token): it stands while the client's file gives the host to the helper and the helper lists
        /// it. With <paramref name="helperOnly"/> (Auth-ECR -CredentialHelper) only such logins count.
        /// </summary>
        public static List<StateLogin> CurrentLogins(string key, string client, string stateDirectory, Func<string, string> resolve, bool helperOnly = false)
        {
            string authFile = Platform.ClientAuthFile(client);
            string stateFile = Path.Combine(stateDirectory, key + ".state");
            if (authFile.Length == 0 || !File.Exists(authFile) || !File.Exists(stateFile))
            {
                return null;
            }
            try
            {
                StateRecord record = StateStore.Read(stateFile);
                if (record == null)
                {
                    return null;
                }
                string auth = File.ReadAllText(authFile);
                bool namesHelper = auth.IndexOf("\"cred", StringComparison.Ordinal) >= 0; // credsStore, credHelpers
                long limit = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + ReuseMarginSeconds;
                var listed = new Dictionary<string, string>(); // each helper runs once per check
                foreach (StateLogin login in record.Logins)
                {
                    bool stands = login.Helper ? CredentialHelperName(auth, login.Registry) == OwnHelper : !helperOnly && login.Expires >= limit;
                    if (!stands || !AuthFileHasHost(auth, login.Registry))
                    {
                        return null;
                    }
                    if (!namesHelper)
                    {
                        continue;
                    }
                    // With a credential store, the store has the last word.
                    string helper = CredentialHelperName(auth, login.Registry);
                    if (helper.Length == 0)
                    {
                        continue;
                    }
                    if (!listed.TryGetValue(helper, out string list))
                    {
                        list = CredentialHelperList(helper, resolve);
                        listed[helper] = list;
                    }
                    if (list == null || !AuthFileHasHost(list, login.Registry))
                    {
                        return null;
                    }
                }
                return record.Logins;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
