using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace EcrAuth.Engine
{
    /// <summary>Where EcrAuth finds programs (the clients, credential helpers) and keeps its records.</summary>
    internal static class ProgramPaths
    {
        private static readonly Dictionary<string, string> Cache = new Dictionary<string, string>();

        // The first match on PATH, as docker or a shell would find it (with PATHEXT on Windows):
        // PowerShell's own command lookup costs ~8 ms on its first use in a shell. Cached per PATH.
        internal static string Resolve(string name)
        {
            if (name.IndexOfAny(new[] { '/', '\\' }) >= 0 || name.Contains(".."))
            {
                return null; // a plain name only: never a path into or out of a PATH folder
            }
            string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            string key = name + "\n" + path;
            lock (Cache)
            {
                if (Cache.TryGetValue(key, out string cached) && File.Exists(cached))
                {
                    return cached;
                }
            }
            string found = Search(name, path);
            if (found != null)
            {
                lock (Cache)
                {
                    Cache[key] = found;
                }
            }
            return found;
        }

        private static string Search(string name, string path)
        {
            string[] extensions = Platform.IsWindows
                ? (Platform.Env("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries)
                : new[] { string.Empty };
            foreach (string folder in path.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
            {
                string dir = folder.Trim().Trim('"');
                if (dir.Length == 0 || !Path.IsPathRooted(dir))
                {
                    continue; // a relative PATH entry would run something from the current folder
                }
                foreach (string extension in extensions)
                {
                    string candidate;
                    try
                    {
                        candidate = Path.Combine(dir, name + extension);
                    }
                    catch (ArgumentException)
                    {
                        break; // characters a path cannot hold
                    }
                    if (File.Exists(candidate) && (Platform.IsWindows || StateStore.IsExecutable(candidate)))
                    {
                        return candidate;
                    }
                }
            }
            return null;
        }

        // The records' folder, with a relative ECRAUTH_STATE_DIR resolved against PowerShell's location
        // (asked only then: the location costs a provider call).
        internal static string StateDirectory(PSCmdlet cmdlet)
        {
            string configured = Platform.Env("ECRAUTH_STATE_DIR");
            string location = configured != null && !Path.IsPathRooted(configured) ? cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath : null;
            return Platform.StateDirectory(location);
        }
    }
}
