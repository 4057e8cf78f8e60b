using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using EcrAuth.Engine;

namespace EcrAuth.Commands
{
    /// <summary>
    /// What Register- and Unregister-EcrCredentialHelper share: the helper binary staged beside
    /// this platform's library, and running its set-up actions (it edits the JSON files itself,
    /// with serde_json, atomically and keeping permissions: see src/helper/setup.rs).
    /// </summary>
    internal static class CredentialHelperSetup
    {
        internal const string ProgramName = "docker-credential-ecrauth";

        internal static string HelperPath()
        {
            string runtimeId = Platform.RuntimeId();
            string folder = Path.Combine(Path.GetDirectoryName(typeof(CredentialHelperSetup).Assembly.Location), runtimeId);
            return Path.Combine(folder, Platform.IsWindows ? ProgramName + ".exe" : ProgramName);
        }

        /// <summary>The helper, or a terminating error naming where it should be.</summary>
        internal static string RequireHelper(PSCmdlet cmdlet)
        {
            string path = HelperPath();
            if (!File.Exists(path))
            {
                string message = "EcrAuth has no credential helper for this platform, " + Platform.RuntimeId() + " (expected '" + path +
                    "'). Build it from the source on this machine: pwsh ./build.ps1 Build.";
                cmdlet.ThrowTerminatingError(Failures.New(message, "CredentialHelperMissing", ErrorCategory.NotInstalled, new FileNotFoundException(message, path), path));
            }
            return path;
        }

        /// <summary>Runs an action; returns its change lines, or null after writing the error.</summary>
        internal static List<string> Run(PSCmdlet cmdlet, string helper, string action, List<string> arguments, bool dryRun)
        {
            var all = new List<string> { action };
            all.AddRange(arguments);
            if (dryRun)
            {
                all.Add("--dry-run");
            }
            ClientRun run = ClientRunner.Run(helper, all.ToArray(), null, 30);
            if (run.NotRun != null || run.TimedOut || run.ExitCode != 0)
            {
                var lines = run.ErrorLines;
                string reason = run.NotRun != null ? run.NotRunMessage : run.TimedOut ? "it did not finish within 30 seconds"
                    : lines.Count > 0 ? lines[lines.Count - 1] : "exit code " + run.ExitCode;
                cmdlet.WriteError(Failures.New("Setting up the credential helper failed: " + reason, "CredentialHelperSetupFailed", ErrorCategory.InvalidData, null, helper));
                return null;
            }
            return run.OutputLines;
        }

        /// <summary>
        /// Runs the helper's <paramref name="action"/> (register, unregister) for the hosts and the
        /// clients' files: first as a dry run, whose change lines are what ShouldProcess shows
        /// (-WhatIf, -Confirm; not asked when <paramref name="ask"/> is false, for a caller that
        /// asked already), then for real. Returns whether it ran through.
        /// </summary>
        internal static bool Apply(PSCmdlet cmdlet, string action, IEnumerable<string> registries, string[] clients, IList<string> extra, bool ask)
        {
            string helper = RequireHelper(cmdlet);
            var arguments = new List<string>();
            foreach (string host in registries)
            {
                arguments.Add("--registry");
                arguments.Add(host);
            }
            foreach (string file in ClientFiles(clients))
            {
                arguments.Add("--client-config");
                arguments.Add(file);
            }
            arguments.AddRange(extra);
            List<string> planned = Run(cmdlet, helper, action, arguments, true);
            if (planned == null)
            {
                return false;
            }
            if (planned.Count == 0)
            {
                cmdlet.WriteVerbose("docker-credential-ecrauth " + action + ": nothing to change.");
            }
            else if (!ask || cmdlet.ShouldProcess(string.Join("; ", planned), action == "register" ? "Set up docker-credential-ecrauth" : "Remove docker-credential-ecrauth"))
            {
                List<string> done = Run(cmdlet, helper, action, arguments, false);
                if (done == null)
                {
                    return false;
                }
                foreach (string line in done)
                {
                    cmdlet.WriteVerbose(line);
                }
                // The repeat check's records of these hosts go: they name the identity or the set-up
                // that has just changed (a register with another profile or role, an unregister).
                ForgetRecords(cmdlet, registries, clients);
            }
            if (action == "register")
            {
                WarnIfNotOnPath(cmdlet, helper);
            }
            return true;
        }

        private static void ForgetRecords(PSCmdlet cmdlet, IEnumerable<string> registries, string[] clients)
        {
            string directory = ProgramPaths.StateDirectory(cmdlet);
            foreach (string registry in registries)
            {
                // The host as the helper keys it (https://HOST/v2/ and HOST alike), as records hold it.
                string value = registry.Trim();
                string host = Uri.TryCreate(value.Contains("://") ? value : "https://" + value, UriKind.Absolute, out Uri uri)
                    ? uri.Authority.ToLowerInvariant() : value.ToLowerInvariant();
                foreach (string client in clients)
                {
                    StateStore.Forget(directory, host, client);
                }
            }
        }

        /// <summary>The identity options of register: those given.</summary>
        internal static List<string> IdentityArguments(string profile, string roleArn, string region, string registryId, string endpointUrl)
        {
            var arguments = new List<string>();
            string[] flags = { "--profile", "--role-arn", "--region", "--registry-id", "--endpoint-url" };
            string[] values = { profile, roleArn, region, registryId, endpointUrl };
            for (int i = 0; i < flags.Length; i++)
            {
                if (!string.IsNullOrEmpty(values[i]))
                {
                    arguments.Add(flags[i]);
                    arguments.Add(values[i]);
                }
            }
            return arguments;
        }

        /// <summary>The client files to edit.</summary>
        internal static List<string> ClientFiles(string[] clients)
        {
            var files = new List<string>();
            foreach (string client in clients)
            {
                string file = Platform.ClientAuthFile(client);
                if (file.Length > 0 && !files.Contains(file))
                {
                    files.Add(file);
                }
            }
            return files;
        }

        /// <summary>Warns with the line that makes the helper reachable when docker would not find it on PATH.</summary>
        internal static void WarnIfNotOnPath(PSCmdlet cmdlet, string helper)
        {
            string found = ProgramPaths.Resolve(ProgramName);
            if (found != null)
            {
                if (!string.Equals(Path.GetFullPath(found), Path.GetFullPath(helper), Platform.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                {
                    cmdlet.WriteWarning("docker will run " + found + ", which is not this EcrAuth's helper (" + helper + "): put " + Path.GetDirectoryName(helper) + " first on PATH.");
                }
                return;
            }
            string folder = Path.GetDirectoryName(helper);
            cmdlet.WriteWarning("docker finds credential helpers on PATH, and " + ProgramName + " is not on it. Add its folder, e.g. in your $PROFILE: " +
                "$env:PATH = '" + folder + "' + [IO.Path]::PathSeparator + $env:PATH" +
                (Platform.IsWindows ? string.Empty : " (or link it once: ln -s '" + helper + "' ~/.local/bin/)") + ".");
        }
    }
}
