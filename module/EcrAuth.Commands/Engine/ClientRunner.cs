using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace EcrAuth.Engine
{
    /// <summary>What running a client gave: exit code, output, error text, a timeout, or why it was not run.</summary>
    public sealed class ClientRun
    {
        /// <summary>The exit code (-1 when it did not exit by itself).</summary>
        public int ExitCode { get; internal set; } = -1;

        /// <summary>Standard output.</summary>
        public string Output { get; internal set; } = string.Empty;

        /// <summary>Standard error.</summary>
        public string Error { get; internal set; } = string.Empty;

        /// <summary>Whether it overran and was stopped, with the processes it started.</summary>
        public bool TimedOut { get; internal set; }

        /// <summary>Why it was not started, or null.</summary>
        public ErrorKind NotRun { get; internal set; }

        /// <summary>The reason it was not started.</summary>
        public string NotRunMessage { get; internal set; }

        /// <summary>The non-empty, trimmed lines of standard output.</summary>
        public List<string> OutputLines => Lines(Output);

        /// <summary>The non-empty, trimmed lines of standard error.</summary>
        public List<string> ErrorLines => Lines(Error);

        private static List<string> Lines(string text)
        {
            var lines = new List<string>();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length > 0)
                {
                    lines.Add(line);
                }
            }
            return lines;
        }
    }

    /// <summary>
    /// Runs container clients: each one's login and logout form, the password on standard input
    /// only, a time limit that stops the client with the processes it started.
    /// </summary>
    public static class ClientRunner
    {
        /// <summary>The clients EcrAuth knows.</summary>
        public static readonly string[] Clients = { "docker", "podman", "finch", "nerdctl", "helm", "oras" };

        // A plain word: no quoting needed, and nothing cmd.exe interprets.
        private static readonly Regex PlainArgument = new Regex(@"^[A-Za-z0-9._:/@\[\]=-]+$");
        private static readonly PropertyInfo StandardInputEncoding = typeof(ProcessStartInfo).GetProperty("StandardInputEncoding");
        private static readonly MethodInfo KillTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

        /// <summary>The client's login arguments (always --password-stdin).</summary>
        public static string[] LoginArguments(string client, string registry, string username)
        {
            switch (client)
            {
                case "helm": return new[] { "registry", "login", registry, "--username", username, "--password-stdin" };
                case "oras": return new[] { "login", registry, "--username", username, "--password-stdin" };
                default: return new[] { "login", "--username", username, "--password-stdin", registry };
            }
        }

        /// <summary>The client's logout arguments.</summary>
        public static string[] LogoutArguments(string client, string registry)
        {
            return client == "helm" ? new[] { "registry", "logout", registry } : new[] { "logout", registry };
        }

        /// <summary>
        /// One argument quoted for Windows' command-line parser, which is also how .NET splits
        /// ProcessStartInfo.Arguments on Unix (ArgumentList is newer than netstandard2.0).
        /// </summary>
        public static string QuoteArgument(string value)
        {
            if (PlainArgument.IsMatch(value))
            {
                return value;
            }
            return "\"" + Regex.Replace(Regex.Replace(value, "(\\\\*)\"", "$1$1\\\""), "(\\\\+)$", "$1$1") + "\"";
        }

        /// <summary>
        /// Runs <paramref name="path"/> with <paramref name="arguments"/>; <paramref name="stdin"/>
        /// (the password bytes), if given, goes to standard input only.
        /// </summary>
        public static ClientRun Run(string path, string[] arguments, byte[] stdin, int timeoutSec)
        {
            // A batch file (docker.cmd, a scoop or npm shim) runs through cmd.exe, which reads its
            // command line by its own rules (& | < > ^ % ! and quotes): quoting does not protect
            // there (CVE-2024-24576, "BatBadBut"). Every argument EcrAuth passes is a plain word,
            // so one that is not is refused instead of quoted.
            if (path.EndsWith(".cmd", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".bat", StringComparison.OrdinalIgnoreCase))
            {
                foreach (string argument in arguments)
                {
                    if (!PlainArgument.IsMatch(argument))
                    {
                        return new ClientRun
                        {
                            NotRun = new ErrorKind("ClientArgumentUnsafe", ErrorCategory.InvalidArgument, m => new ArgumentException(m)),
                            NotRunMessage = path + " is a batch file, which runs through cmd.exe, and the argument '" + argument +
                                "' holds characters cmd.exe would interpret: not run. Put the client's .exe first on PATH.",
                        };
                    }
                }
            }
            Process process;
            try
            {
                process = Start(path, arguments);
            }
            catch (Exception error) when (error is Win32Exception || error is IOException || error is InvalidOperationException || error is UnauthorizedAccessException)
            {
                return new ClientRun
                {
                    NotRun = new ErrorKind("ClientStartFailed", ErrorCategory.ResourceUnavailable, m => new InvalidOperationException(m)),
                    NotRunMessage = path + " could not be started: " + error.GetBaseException().Message,
                };
            }
            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                try
                {
                    if (stdin != null && stdin.Length > 0)
                    {
                        process.StandardInput.BaseStream.Write(stdin, 0, stdin.Length);
                        process.StandardInput.BaseStream.Flush();
                    }
                }
                catch (IOException)
                {
                    // The client exited before reading its input; its own error says why.
                }
                finally
                {
                    try
                    {
                        process.StandardInput.Close();
                    }
                    catch (IOException)
                    {
                        // Closed already, by the client's exit.
                    }
                }
                if (!process.WaitForExit(checked(timeoutSec * 1000)))
                {
                    StopTree(process);
                    return new ClientRun { TimedOut = true };
                }
                process.WaitForExit(); // the output readers' end
                return new ClientRun { ExitCode = process.ExitCode, Output = stdout.Result, Error = stderr.Result };
            }
        }

        // Starts a client with standard input, output and error redirected. The password goes to
        // StandardInput.BaseStream as raw bytes, and nothing may come before it: the writer would
        // put its encoding's preamble first (a UTF-8 byte-order mark under code page 65001), and
        // .NET Framework writes it at Process.Start already (a writer made with
        // Console.InputEncoding, AutoFlush on). So .NET Core gets a preamble-free
        // StandardInputEncoding; .NET Framework, which lacks it, a preamble-free
        // Console.InputEncoding for the moment of the start.
        private static Process Start(string path, string[] arguments)
        {
            var quoted = new string[arguments.Length];
            for (int i = 0; i < arguments.Length; i++)
            {
                quoted[i] = QuoteArgument(arguments[i]);
            }
            var info = new ProcessStartInfo(path, string.Join(" ", quoted))
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (StandardInputEncoding != null)
            {
                StandardInputEncoding.SetValue(info, new UTF8Encoding(false));
                return Process.Start(info);
            }
            if (Console.InputEncoding.GetPreamble().Length == 0)
            {
                return Process.Start(info);
            }
            // Console.InputEncoding is process-wide: runspaces logging in at once (jobs in the same
            // process, a host's pipelines) would restore each other's values. A mutex named after
            // the process serialises the swap and the start.
            using (var gate = new Mutex(false, "Local\\EcrAuth.ConsoleInputEncoding." + Process.GetCurrentProcess().Id))
            {
                gate.WaitOne();
                Encoding restore = Console.InputEncoding;
                try
                {
                    try
                    {
                        Console.InputEncoding = new UTF8Encoding(false);
                    }
                    catch (IOException)
                    {
                        restore = null; // no console
                    }
                    return Process.Start(info);
                }
                finally
                {
                    if (restore != null)
                    {
                        Console.InputEncoding = restore;
                    }
                    gate.ReleaseMutex();
                }
            }
        }

        /// <summary>
        /// Stops a client that overran and every process it started (a docker.cmd shim's
        /// docker.exe, a credential helper, a script's children). Windows: .NET Core 3+ kills the
        /// tree itself, .NET Framework asks taskkill. Unix: .NET's Kill(true) left a shell's child
        /// running (seen on .NET 10), so the descendants are found first (from /proc, or ps on
        /// macOS) and stopped after the client.
        /// </summary>
        public static void StopTree(Process process)
        {
            try
            {
                if (Platform.IsWindows)
                {
                    if (KillTree != null)
                    {
                        KillTree.Invoke(process, new object[] { true });
                    }
                    else
                    {
                        string taskkill = Path.Combine(Environment.GetEnvironmentVariable("SystemRoot") ?? @"C:\Windows", "System32", "taskkill.exe");
                        Run(taskkill, new[] { "/T", "/F", "/PID", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null, 30);
                        if (!process.HasExited)
                        {
                            process.Kill();
                        }
                    }
                    return;
                }
                List<int> descendants = DescendantIds(process.Id);
                process.Kill();
                foreach (int id in descendants)
                {
                    try
                    {
                        Process.GetProcessById(id).Kill();
                    }
                    catch (Exception error) when (error is ArgumentException || error is InvalidOperationException || error is Win32Exception)
                    {
                        // It had exited already.
                    }
                }
            }
            catch (Exception error) when (error is InvalidOperationException || error is TargetInvocationException || error is Win32Exception)
            {
                // The client had exited already.
            }
        }

        // The ids of every process below id (Unix): parent ids from /proc/<pid>/stat on Linux,
        // from `ps -A -o pid=,ppid=` elsewhere.
        private static List<int> DescendantIds(int id)
        {
            var parents = new Dictionary<int, int>();
            if (Directory.Exists("/proc/self"))
            {
                foreach (string dir in Directory.GetDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out int pid))
                    {
                        continue;
                    }
                    string stat;
                    try
                    {
                        stat = File.ReadAllText(dir + "/stat");
                    }
                    catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
                    {
                        continue;
                    }
                    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
                    string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                    if (fields.Length > 1 && int.TryParse(fields[1], out int ppid))
                    {
                        parents[pid] = ppid;
                    }
                }
            }
            else
            {
                ClientRun ps = Run("ps", new[] { "-A", "-o", "pid=,ppid=" }, null, 10);
                foreach (string line in ps.OutputLines)
                {
                    string[] pair = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                    if (pair.Length == 2 && int.TryParse(pair[0], out int pid) && int.TryParse(pair[1], out int ppid))
                    {
                        parents[pid] = ppid;
                    }
                }
            }
            var found = new List<int>();
            var queue = new Queue<int>();
            queue.Enqueue(id);
            while (queue.Count > 0)
            {
                int parent = queue.Dequeue();
                foreach (KeyValuePair<int, int> entry in parents)
                {
                    if (entry.Value == parent && !found.Contains(entry.Key))
                    {
                        found.Add(entry.Key);
                        queue.Enqueue(entry.Key);
                    }
                }
            }
            return found;
        }
    }
}
