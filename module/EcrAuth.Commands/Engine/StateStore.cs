using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;

namespace EcrAuth.Engine
{
    /// <summary>One remembered login: registry host, user name, expiry (Unix seconds), proxy endpoint.</summary>
    public sealed class StateLogin
    {
        /// <summary>The registry host.</summary>
        public string Registry { get; set; }

        /// <summary>The user name.</summary>
        public string Username { get; set; }

        /// <summary>When the login expires, in Unix seconds.</summary>
        public long Expires { get; set; }

        /// <summary>The registry's proxy endpoint URL.</summary>
        public string ProxyEndpoint { get; set; }

        /// <summary>
        /// Served by docker-credential-ecrauth: the client asks the helper for a fresh token each
        /// time, so the login lasts while the client's file names the helper (Expires is the first token's).
        /// </summary>
        public bool Helper { get; set; }

        /// <summary>The expiry as a UTC DateTime.</summary>
        public DateTime ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(Expires).UtcDateTime;

        /// <summary>Whether the login still stands at <paramref name="now"/> (Unix seconds).</summary>
        public bool LiveAt(long now) => Helper || Expires > now;
    }

    /// <summary>One request's record: who asked (hashed), for which client, and its logins.</summary>
    public sealed class StateRecord
    {
        /// <summary>The client that logged in.</summary>
        public string Client { get; set; } = string.Empty;

        /// <summary>A short hash of the identity (no key id in clear).</summary>
        public string Identity { get; set; } = string.Empty;

        /// <summary>The region asked for, or "".</summary>
        public string Region { get; set; } = string.Empty;

        /// <summary>Static, Profile or Default.</summary>
        public string Source { get; set; } = string.Empty;

        /// <summary>The profile name, when Source is Profile.</summary>
        public string ProfileName { get; set; } = string.Empty;

        /// <summary>The endpoint URL asked for, or "".</summary>
        public string EndpointUrl { get; set; } = string.Empty;

        /// <summary>The role assumed, or "".</summary>
        public string RoleArn { get; set; } = string.Empty;

        /// <summary>The logins.</summary>
        public List<StateLogin> Logins { get; set; } = new List<StateLogin>();

        /// <summary>The file it was read from.</summary>
        public string File { get; set; }
    }

    /// <summary>
    /// What EcrAuth remembers between shells so a repeat Auth-ECR can skip a still-valid login.
    /// One small line-based file per request, holding registry hosts, user names, expiry times,
    /// the profile name or default-chain flag and the endpoint URL: never a key, token or
    /// password, and the identity only as a hash. Written atomically (temp file + rename).
    /// </summary>
    public static class StateStore
    {
        /// <summary>The first line of every record.</summary>
        public const string Header = "EcrAuth state 2";

        /// <summary>A Login line's sixth field when the login is the credential helper's.</summary>
        private const string HelperMark = "helper";

        private static readonly string[] Fields = { "Client", "Identity", "Region", "Source", "ProfileName", "EndpointUrl", "RoleArn" };

        /// <summary>
        /// A record, or null for anything missing or not in this shape: the header line, then
        /// NAME&lt;TAB&gt;VALUE lines and Login&lt;TAB&gt;registry&lt;TAB&gt;user&lt;TAB&gt;expires&lt;TAB&gt;proxy[&lt;TAB&gt;helper] lines.
        /// </summary>
        public static StateRecord Read(string path)
        {
            if (!System.IO.File.Exists(path))
            {
                return null;
            }
            string[] lines = System.IO.File.ReadAllText(path).Split('\n');
            if (lines[0] != Header)
            {
                return null;
            }
            var record = new StateRecord { File = path };
            foreach (string line in lines)
            {
                string[] fields = line.Split('\t');
                if ((fields.Length == 5 || fields.Length == 6) && fields[0] == "Login" && long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long expires))
                {
                    bool helper = fields.Length == 6 && fields[5] == HelperMark;
                    record.Logins.Add(new StateLogin { Registry = fields[1], Username = fields[2], Expires = expires, ProxyEndpoint = fields[4], Helper = helper });
                }
                else if (fields.Length == 2)
                {
                    switch (fields[0])
                    {
                        case "Client": record.Client = fields[1]; break;
                        case "Identity": record.Identity = fields[1]; break;
                        case "Region": record.Region = fields[1]; break;
                        case "Source": record.Source = fields[1]; break;
                        case "ProfileName": record.ProfileName = fields[1]; break;
                        case "EndpointUrl": record.EndpointUrl = fields[1]; break;
                        case "RoleArn": record.RoleArn = fields[1]; break;
                    }
                }
            }
            return record.Client.Length == 0 || record.Logins.Count == 0 ? null : record;
        }

        /// <summary>A record as <see cref="Read"/> reads it.</summary>
        public static string ToText(StateRecord record)
        {
            var text = new StringBuilder(Header).Append('\n');
            string[] values = { record.Client, record.Identity, record.Region, record.Source, record.ProfileName, record.EndpointUrl, record.RoleArn };
            for (int i = 0; i < Fields.Length; i++)
            {
                if (!string.IsNullOrEmpty(values[i]) && values[i].IndexOfAny(new[] { '\t', '\r', '\n' }) < 0)
                {
                    text.Append(Fields[i]).Append('\t').Append(values[i]).Append('\n');
                }
            }
            foreach (StateLogin login in record.Logins)
            {
                text.Append("Login\t").Append(login.Registry).Append('\t').Append(login.Username).Append('\t')
                    .Append(login.Expires.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(login.ProxyEndpoint)
                    .Append(login.Helper ? "\t" + HelperMark : string.Empty).Append('\n');
            }
            return text.ToString();
        }

        /// <summary>The record's Identity: a short hash of who asked.</summary>
        public static string IdentityHash(FetchRequest request)
        {
            string identity = request.Source == CredentialSource.Profile ? "profile:" + request.Profile
                : request.Source == CredentialSource.Default ? "default" : "key:" + request.AccessKey;
            if (request.RoleArn.Length > 0)
            {
                identity += "\nrole:" + request.RoleArn; // the role is who asks ECR
            }
            return RepeatCheck.Sha256Hex(identity).Substring(0, 16);
        }

        /// <summary>
        /// Remembers a login. Returns a warning text if it could not (the login itself stands).
        /// Also forgets records whose logins have all expired (Get-EcrConnection only reads).
        /// </summary>
        public static string Save(string directory, string key, FetchRequest request, IList<StateLogin> logins)
        {
            string reason = UnwritableReason(directory);
            if (reason != null)
            {
                return "EcrAuth could not remember this login, so the next Auth-ECR will log in again: " + reason + ".";
            }
            try
            {
                CreateDirectory(directory);
                var record = new StateRecord
                {
                    Client = request.Client,
                    Identity = IdentityHash(request),
                    Region = request.Region,
                    Source = request.Source.ToString(),
                    ProfileName = request.Profile,
                    EndpointUrl = request.EndpointUrl,
                    RoleArn = request.RoleArn,
                    Logins = new List<StateLogin>(logins),
                };
                string own = Path.Combine(directory, key + ".state");
                Write(own, ToText(record));
                UpdateSiblings(directory, own, record);
                List(directory, true);
                return null;
            }
            catch (Exception error)
            {
                // Whatever it was (a full disk, a permission, a folder another user owns), the login stands.
                if (error is TargetInvocationException && error.InnerException != null)
                {
                    error = error.InnerException;
                }
                return "EcrAuth could not remember this login, so the next Auth-ECR will log in again: " + error.Message;
            }
        }

        /// <summary>
        /// Every remembered login, as (record, login) pairs. With <paramref name="prune"/>, deletes
        /// records whose logins have all expired, and files that are not records.
        /// </summary>
        public static List<KeyValuePair<StateRecord, StateLogin>> List(string directory, bool prune = false)
        {
            var found = new List<KeyValuePair<StateRecord, StateLogin>>();
            if (!Directory.Exists(directory))
            {
                return found;
            }
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            foreach (string file in Directory.GetFiles(directory))
            {
                if (file.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    continue;
                }
                StateRecord record = null;
                // A record that cannot be read or deleted (another process's, half-written) counts as none.
                if (file.EndsWith(".state", StringComparison.Ordinal))
                {
                    record = TryRead(file);
                }
                bool live = false;
                if (record != null)
                {
                    foreach (StateLogin login in record.Logins)
                    {
                        live |= login.LiveAt(now);
                    }
                }
                if (record == null || (prune && !live))
                {
                    if (prune)
                    {
                        TryDelete(file);
                    }
                    continue;
                }
                foreach (StateLogin login in record.Logins)
                {
                    found.Add(new KeyValuePair<StateRecord, StateLogin>(record, login));
                }
            }
            return found;
        }

        /// <summary>Forgets <paramref name="registry"/> (for <paramref name="client"/>) in every record; deletes records left empty.</summary>
        public static void Forget(string directory, string registry, string client)
        {
            if (!Directory.Exists(directory))
            {
                return;
            }
            foreach (string file in Directory.GetFiles(directory, "*.state"))
            {
                StateRecord record = TryRead(file);
                if (record == null || record.Client != client || !record.Logins.Exists(l => l.Registry == registry))
                {
                    continue;
                }
                record.Logins.RemoveAll(l => l.Registry == registry);
                try
                {
                    if (record.Logins.Count > 0)
                    {
                        Write(file, ToText(record));
                    }
                    else
                    {
                        System.IO.File.Delete(file);
                    }
                }
                catch (IOException)
                {
                    // Another shell has it; the login is gone from the client, which the repeat check also reads.
                }
            }
        }

        // The same registries renewed under another request (Get-EcrConnection | Connect-EcrRegistry
        // -Force names the hosts, the $PROFILE line did not): every other record of this identity,
        // client and endpoint whose registries were all renewed gets the new expiry.
        private static void UpdateSiblings(string directory, string own, StateRecord record)
        {
            var renewed = new Dictionary<string, StateLogin>();
            foreach (StateLogin login in record.Logins)
            {
                renewed[login.Registry] = login;
            }
            foreach (string file in Directory.GetFiles(directory, "*.state"))
            {
                if (file == own)
                {
                    continue;
                }
                StateRecord other = TryRead(file);
                if (other == null || other.Client != record.Client || other.Identity != record.Identity || other.EndpointUrl != (record.EndpointUrl ?? string.Empty) || other.RoleArn != (record.RoleArn ?? string.Empty) ||
                    !other.Logins.TrueForAll(l => renewed.ContainsKey(l.Registry)))
                {
                    continue;
                }
                other.Logins = other.Logins.ConvertAll(l => renewed[l.Registry]);
                try
                {
                    Write(file, ToText(other));
                }
                catch (IOException)
                {
                    // Another shell is writing it; its own login is as fresh.
                }
            }
        }

        private static StateRecord TryRead(string file)
        {
            try
            {
                return Read(file);
            }
            catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static void TryDelete(string file)
        {
            try
            {
                System.IO.File.Delete(file);
            }
            catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
            {
                // Another process holds it; the next login tries again.
            }
        }

        // Writes a record atomically: a temp file (owner-only) renamed over the old one.
        private static void Write(string path, string text)
        {
            string temporary = Path.Combine(Path.GetDirectoryName(path),
                Path.GetFileName(path) + "." + System.Diagnostics.Process.GetCurrentProcess().Id + "." + Guid.NewGuid().ToString("n").Substring(0, 8) + ".tmp");
            System.IO.File.WriteAllText(temporary, text, new UTF8Encoding(false));
            try
            {
                Protect(temporary, 0x180); // 0600
                if (System.IO.File.Exists(path))
                {
                    System.IO.File.Replace(temporary, path, null);
                }
                else
                {
                    System.IO.File.Move(temporary, path);
                }
            }
            catch (IOException)
            {
                // Another shell wrote the same record at the same moment; theirs is as good as ours.
                TryDelete(temporary);
            }
        }

        // Creates the records' folder. Only the folders EcrAuth owns get owner-only rights: its
        // cache folder and 'logins' by default; with ECRAUTH_STATE_DIR (the user's folder, maybe a
        // shared 1777 one) only 'logins', never the folder itself.
        private static void CreateDirectory(string path)
        {
            if (Directory.Exists(path))
            {
                return;
            }
            var own = new List<string> { path };
            if (Platform.Env("ECRAUTH_STATE_DIR") == null)
            {
                own.Insert(0, Path.GetDirectoryName(path));
            }
            Directory.CreateDirectory(Path.GetDirectoryName(own[0]));
            foreach (string dir in own)
            {
                if (!Directory.Exists(dir))
                {
                    Directory.CreateDirectory(dir);
                    Protect(dir, 0x1C0); // 0700
                }
            }
        }

        // Why the folder cannot be made, for the common case (a file where a folder should be).
        private static string UnwritableReason(string path)
        {
            string dir = path;
            while (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            {
                if (System.IO.File.Exists(dir))
                {
                    return "'" + dir + "' is a file, not a folder";
                }
                dir = Path.GetDirectoryName(dir);
            }
            return null;
        }

        private static MethodInfo setUnixFileMode;
        private static MethodInfo getUnixFileMode;
        private static Type unixFileMode;

        // Whether a Unix file has an execute bit; true where .NET cannot tell (before .NET 7).
        internal static bool IsExecutable(string path)
        {
            ResolveUnixFileMode();
            if (getUnixFileMode == null)
            {
                return true;
            }
            return (Convert.ToInt32(getUnixFileMode.Invoke(null, new object[] { path })) & 0x49) != 0; // 0111
        }

        private static void ResolveUnixFileMode()
        {
            if (unixFileMode == null)
            {
                unixFileMode = typeof(System.IO.File).Assembly.GetType("System.IO.UnixFileMode");
                if (unixFileMode != null)
                {
                    setUnixFileMode = typeof(System.IO.File).GetMethod("SetUnixFileMode", new[] { typeof(string), unixFileMode });
                    getUnixFileMode = typeof(System.IO.File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
                }
            }
        }

        // Owner-only permissions on Unix (Windows: %LOCALAPPDATA% is already per user).
        // File.SetUnixFileMode needs .NET 7+ (PowerShell 7.3 and later); older ones run chmod.
        internal static void Protect(string path, int mode)
        {
            if (Platform.IsWindows)
            {
                return;
            }
            ResolveUnixFileMode();
            if (setUnixFileMode != null)
            {
                setUnixFileMode.Invoke(null, new[] { path, Enum.ToObject(unixFileMode, mode) });
                return;
            }
            ClientRunner.Run("chmod", new[] { Convert.ToString(mode, 8), path }, null, 10);
        }
    }
}
