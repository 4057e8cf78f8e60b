using System;
using System.Collections.Generic;
using System.Management.Automation;
using EcrAuth.Engine;

namespace EcrAuth.Commands
{
    /// <summary>Lists the registries EcrAuth has logged in, with their client and expiry. No secrets.</summary>
    /// <remarks>
    /// <para>Reads EcrAuth's per-user records (see about_EcrAuth). Valid is true while a login has more
    /// than 15 minutes left, the same margin a repeat Connect-EcrRegistry uses; expired logins are
    /// not listed. It changes nothing: the next login removes records whose logins have all expired.
    /// Pipe the output to Disconnect-EcrRegistry to log out, or to
    /// Connect-EcrRegistry -Force to log in again (logins made with -ProfileName or
    /// -UseDefaultCredentials carry that property; for keys, pass them).</para>
    /// </remarks>
    /// <example>
    /// <code>Get-EcrConnection | Where-Object Valid</code>
    /// <para>Lists the logins a repeat Auth-ECR would reuse.</para>
    /// </example>
    /// <example>
    /// <code>Get-EcrConnection | Disconnect-EcrRegistry</code>
    /// <para>Logs out of every registry EcrAuth logged in.</para>
    /// </example>
    /// <outputType name="EcrAuth.Connection">Registry, Client, ExpiresAt (UTC), Valid, Identity (a hash), and
    /// ProfileName, UseDefaultCredentials, EndpointUrl or RoleArn when the login used them. A registry that
    /// docker-credential-ecrauth serves has no ExpiresAt, is Valid while the client's file gives it to
    /// the helper (which renews its token), and has CredentialHelper.</outputType>
    /// <related>Connect-EcrRegistry</related>
    /// <related>Disconnect-EcrRegistry</related>
    [Cmdlet(VerbsCommon.Get, "EcrConnection")]
    [OutputType("EcrAuth.Connection")]
    public sealed class GetEcrConnectionCommand : PSCmdlet
    {
        /// <summary>Only registries whose host matches this wildcard pattern. Default: all.</summary>
        /// <default>*</default>
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(RegistryCompleter))]
        [SupportsWildcards]
        public string Registry { get; set; } = "*";

        private readonly Dictionary<string, string> authFiles = new Dictionary<string, string>();

        // Whether the client's file still gives the host to docker-credential-ecrauth (read once per client).
        private bool ServedByHelper(string client, string registry)
        {
            if (!authFiles.TryGetValue(client, out string text))
            {
                text = RepeatCheck.AuthFileText(client);
                authFiles[client] = text;
            }
            return RepeatCheck.CredentialHelperName(text, registry) == RepeatCheck.OwnHelper;
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var pattern = new WildcardPattern(Registry ?? "*", WildcardOptions.IgnoreCase);
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var found = new List<KeyValuePair<StateRecord, StateLogin>>();
            foreach (var entry in StateStore.List(ProgramPaths.StateDirectory(this)))
            {
                if (entry.Value.LiveAt(now) && pattern.IsMatch(entry.Value.Registry))
                {
                    found.Add(entry);
                }
            }
            found.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Value.Registry + "\t" + a.Key.Client, b.Value.Registry + "\t" + b.Key.Client));
            if (found.Count > 0)
            {
                FormatLoader.Ensure();
            }
            foreach (var entry in found)
            {
                StateRecord record = entry.Key;
                StateLogin login = entry.Value;
                var connection = new PSObject();
                connection.TypeNames.Insert(0, "EcrAuth.Connection");
                connection.Properties.Add(new PSNoteProperty("Registry", login.Registry));
                connection.Properties.Add(new PSNoteProperty("Client", record.Client));
                // A helper's login has no end: the helper fetches a token whenever the client asks.
                connection.Properties.Add(new PSNoteProperty("ExpiresAt", login.Helper ? (object)null : login.ExpiresAt));
                connection.Properties.Add(new PSNoteProperty("Valid", login.Helper ? ServedByHelper(record.Client, login.Registry) : login.Expires >= now + RepeatCheck.ReuseMarginSeconds));
                if (login.Helper)
                {
                    connection.Properties.Add(new PSNoteProperty("CredentialHelper", "docker-credential-" + RepeatCheck.OwnHelper));
                }
                connection.Properties.Add(new PSNoteProperty("Identity", record.Identity));
                // Only what the login used, so that piping to Connect-EcrRegistry binds exactly those.
                if (record.Source == "Profile" && record.ProfileName.Length > 0)
                {
                    connection.Properties.Add(new PSNoteProperty("ProfileName", record.ProfileName));
                }
                if (record.Source == "Default")
                {
                    connection.Properties.Add(new PSNoteProperty("UseDefaultCredentials", true));
                }
                if (record.EndpointUrl.Length > 0)
                {
                    connection.Properties.Add(new PSNoteProperty("EndpointUrl", record.EndpointUrl));
                }
                if (record.RoleArn.Length > 0)
                {
                    connection.Properties.Add(new PSNoteProperty("RoleArn", record.RoleArn));
                }
                WriteObject(connection);
            }
        }
    }
}
