using System;
using System.IO;
using System.Runtime.InteropServices;

namespace EcrAuth.Engine
{
    /// <summary>
    /// Facts about where EcrAuth runs: the platform, the engine, and the folders the clients and
    /// EcrAuth use. Each path function takes the platform, so tests can ask for another one's.
    /// </summary>
    public static class Platform
    {
        /// <summary>"Windows", "MacOS" or "Linux".</summary>
        public static readonly string Current = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "Windows"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "MacOS" : "Linux";

        /// <summary>True on .NET Core (PowerShell 7), false on .NET Framework (Windows PowerShell 5.1).</summary>
        public static readonly bool IsCore = !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        /// <summary>Whether <see cref="Current"/> is Windows.</summary>
        public static bool IsWindows => Current == "Windows";

        /// <summary>
        /// The runtime id of this process (its architecture, not the OS's: an x64 pwsh under
        /// Rosetta or Windows-on-ARM emulation needs the x64 library).
        /// </summary>
        public static string RuntimeId(string platform = null)
        {
            string os = (platform ?? Current) == "Windows" ? "win" : (platform ?? Current) == "MacOS" ? "osx" : "linux";
            return os + "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        }

        /// <summary>The native library's file name for a runtime id.</summary>
        public static string NativeLibraryName(string runtimeId)
        {
            if (runtimeId.StartsWith("win-", StringComparison.Ordinal))
            {
                return "ecr_auth.dll";
            }
            return runtimeId.StartsWith("osx-", StringComparison.Ordinal) ? "libecr_auth.dylib" : "libecr_auth.so";
        }

        /// <summary>The user's home as the clients see it: %USERPROFILE% on Windows (docker's own choice), $HOME elsewhere.</summary>
        public static string Home(string platform = null)
        {
            if ((platform ?? Current) == "Windows")
            {
                return Env("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }
            return Env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        /// <summary>
        /// The folder of EcrAuth's login records. ECRAUTH_STATE_DIR replaces the per-user cache
        /// folder; a relative value is resolved against <paramref name="currentDirectory"/>
        /// (PowerShell's location), so every call sees the same absolute path.
        /// </summary>
        public static string StateDirectory(string currentDirectory, string platform = null)
        {
            platform = platform ?? Current;
            string folder = Env("ECRAUTH_STATE_DIR");
            if (folder != null)
            {
                if (!Path.IsPathRooted(folder))
                {
                    folder = Path.GetFullPath(Path.Combine(currentDirectory ?? Environment.CurrentDirectory, folder));
                }
            }
            else if (platform == "Windows")
            {
                folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "EcrAuth");
            }
            else if (platform == "MacOS")
            {
                folder = Path.Combine(Home(platform), "Library", "Caches", "EcrAuth");
            }
            else
            {
                string cache = Env("XDG_CACHE_HOME");
                folder = cache != null ? Path.Combine(cache, "ecrauth") : Path.Combine(Home(platform), ".cache", "ecrauth");
            }
            return Path.Combine(folder, "logins");
        }

        /// <summary>
        /// The file where <paramref name="client"/> keeps its logins, or "" when EcrAuth cannot
        /// check one (then a repeat login is never skipped). Each client's own rules:
        /// docker, nerdctl, oras: $DOCKER_CONFIG/config.json, else ~/.docker/config.json;
        /// podman (containers-auth.json(5)): $REGISTRY_AUTH_FILE; on Linux
        /// $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/&lt;uid&gt;/auth.json;
        /// elsewhere ~/.config/containers/auth.json; helm: $HELM_REGISTRY_CONFIG, else
        /// &lt;helm config home&gt;/registry/config.json; finch: ~/.finch/config.json on macOS.
        /// </summary>
        public static string ClientAuthFile(string client, string platform = null)
        {
            platform = platform ?? Current;
            switch (client)
            {
                case "docker":
                case "nerdctl":
                case "oras":
                    return Path.Combine(Env("DOCKER_CONFIG") ?? Path.Combine(Home(platform), ".docker"), "config.json");
                case "podman":
                    if (Env("REGISTRY_AUTH_FILE") != null)
                    {
                        return Env("REGISTRY_AUTH_FILE");
                    }
                    if (platform != "Linux")
                    {
                        return Path.Combine(Home(platform), ".config", "containers", "auth.json");
                    }
                    if (Env("XDG_RUNTIME_DIR") != null)
                    {
                        return Path.Combine(Env("XDG_RUNTIME_DIR"), "containers", "auth.json");
                    }
                    string uid = LinuxUserId();
                    return uid == null ? string.Empty : "/run/containers/" + uid + "/auth.json";
                case "helm":
                    if (Env("HELM_REGISTRY_CONFIG") != null)
                    {
                        return Env("HELM_REGISTRY_CONFIG");
                    }
                    string helmHome = Env("HELM_CONFIG_HOME");
                    if (helmHome == null)
                    {
                        if (Env("XDG_CONFIG_HOME") != null)
                        {
                            helmHome = Path.Combine(Env("XDG_CONFIG_HOME"), "helm");
                        }
                        else if (platform == "Windows")
                        {
                            helmHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "helm");
                        }
                        else if (platform == "MacOS")
                        {
                            helmHome = Path.Combine(Home(platform), "Library", "Preferences", "helm");
                        }
                        else
                        {
                            helmHome = Path.Combine(Home(platform), ".config", "helm");
                        }
                    }
                    return Path.Combine(helmHome, "registry", "config.json");
                case "finch":
                    return platform == "MacOS" ? Path.Combine(Home(platform), ".finch", "config.json") : string.Empty;
                default:
                    return string.Empty;
            }
        }

        /// <summary>An environment variable, or null when it is unset or empty (as PowerShell's "if ($env:X)").</summary>
        public static string Env(string name)
        {
            string value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        // The real user id, from /proc (no process start).
        private static string LinuxUserId()
        {
            try
            {
                foreach (string line in File.ReadAllLines("/proc/self/status"))
                {
                    if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    {
                        return line.Substring(4).Trim().Split('\t')[0];
                    }
                }
            }
            catch (IOException)
            {
            }
            return null;
        }
    }
}
