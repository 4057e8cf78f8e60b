using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace EcrAuth.Engine
{
    /// <summary>The shared AWS files the SDK reads, and the profile names in them.</summary>
    public static class AwsProfiles
    {
        private static readonly Regex ConfigProfile = new Regex(@"^profile\s+(\S+)$");

        /// <summary>AWS_CONFIG_FILE, else ~/.aws/config.</summary>
        public static string ConfigFile => Platform.Env("AWS_CONFIG_FILE") ?? Path.Combine(Platform.Home(), ".aws", "config");

        /// <summary>AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials.</summary>
        public static string CredentialsFile => Platform.Env("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(Platform.Home(), ".aws", "credentials");

        /// <summary>
        /// The profile names of both files, for completion of -ProfileName and to tell an unknown
        /// profile from one whose credentials fail. In config: [default] and [profile NAME]
        /// ([sso-session ...] and [services ...] are not profiles); in credentials: [NAME].
        /// </summary>
        public static List<string> Names()
        {
            var names = new List<string>();
            foreach (bool config in new[] { true, false })
            {
                string path = config ? ConfigFile : CredentialsFile;
                if (!File.Exists(path))
                {
                    continue;
                }
                foreach (string raw in File.ReadAllLines(path))
                {
                    string line = raw.Trim();
                    if (!line.StartsWith("[") || !line.EndsWith("]"))
                    {
                        continue;
                    }
                    string name = line.Substring(1, line.Length - 2).Trim();
                    if (config)
                    {
                        Match match = ConfigProfile.Match(name);
                        if (match.Success)
                        {
                            names.Add(match.Groups[1].Value);
                        }
                        else if (name == "default")
                        {
                            names.Add(name);
                        }
                    }
                    else if (!Regex.IsMatch(name, @"\s"))
                    {
                        names.Add(name);
                    }
                }
            }
            return names;
        }
    }
}
