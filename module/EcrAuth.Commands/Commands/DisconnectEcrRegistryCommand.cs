using System.Collections.Generic;
using System.Management.Automation;
using EcrAuth.Engine;
using EcrAuth.Native;

namespace EcrAuth.Commands
{
    /// <summary>Logs a container client out of ECR registries, and forgets EcrAuth's record of them.</summary>
    /// <remarks>
    /// <para>Runs the client's logout (e.g. `docker logout &lt;registry&gt;`) for each registry given, or,
    /// without -Registry, for every registry EcrAuth logged in (see Get-EcrConnection). A logout
    /// that fails, or whose client is missing, is a non-terminating error; the others still run.</para>
    /// </remarks>
    /// <example>
    /// <code>Disconnect-EcrRegistry</code>
    /// <para>Logs out of every registry EcrAuth logged in.</para>
    /// </example>
    /// <example>
    /// <code>Disconnect-EcrRegistry -Registry 123456789012.dkr.ecr.us-east-1.amazonaws.com -Client podman</code>
    /// <para>Logs podman out of one registry.</para>
    /// </example>
    /// <example>
    /// <code>Get-EcrConnection | Where-Object Client -eq helm | Disconnect-EcrRegistry</code>
    /// <para>Logs helm out of the registries EcrAuth logged it in to.</para>
    /// </example>
    /// <example>
    /// <code>'123456789012.dkr.ecr.us-east-1.amazonaws.com' | Disconnect-EcrRegistry</code>
    /// <para>Logs out of a registry given as a string.</para>
    /// </example>
    /// <inputType name="System.String">Registry hosts.</inputType>
    /// <inputType name="EcrAuth.Connection">Get-EcrConnection (or -PassThru EcrAuth.Login) objects: their Registry and Client properties.</inputType>
    /// <outputType name="None">Nothing; the client's output goes to the information stream.</outputType>
    /// <related>Connect-EcrRegistry</related>
    /// <related>Get-EcrConnection</related>
    [Cmdlet(VerbsCommunications.Disconnect, "EcrRegistry", SupportsShouldProcess = true)]
    public sealed class DisconnectEcrRegistryCommand : PSCmdlet
    {
        /// <summary>
        /// The registry hosts to log out of. Default: every registry EcrAuth logged in. Accepts
        /// strings and Get-EcrConnection (or -PassThru) objects from the pipeline; tab completion
        /// offers the registries EcrAuth logged in.
        /// </summary>
        /// <default>every registry EcrAuth logged in</default>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(RegistryCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Registry { get; set; }

        /// <summary>
        /// The container client to log out (docker, podman, finch, nerdctl, helm or oras). Default:
        /// the client EcrAuth used for that registry, else docker.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("docker", "podman", "finch", "nerdctl", "helm", "oras")]
        public string Client { get; set; }

        /// <summary>
        /// How long each client logout may take, in seconds (1-600): a client that overruns is
        /// stopped with the processes it started, and that registry fails.
        /// </summary>
        /// <default>30</default>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 30;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string directory = ProgramPaths.StateDirectory(this);
            var known = StateStore.List(directory);
            var targets = new List<KeyValuePair<string, string>>(); // registry, client
            if (Registry != null)
            {
                foreach (string name in Registry)
                {
                    string client = Client;
                    if (client == null)
                    {
                        client = "docker";
                        foreach (var entry in known)
                        {
                            if (entry.Value.Registry == name)
                            {
                                client = entry.Key.Client;
                                break;
                            }
                        }
                    }
                    targets.Add(new KeyValuePair<string, string>(name, client));
                }
            }
            else
            {
                var seen = new HashSet<string>();
                foreach (var entry in known)
                {
                    if ((Client == null || entry.Key.Client == Client) && seen.Add(entry.Value.Registry + "|" + entry.Key.Client))
                    {
                        targets.Add(new KeyValuePair<string, string>(entry.Value.Registry, entry.Key.Client));
                    }
                }
            }
            foreach (var target in targets)
            {
                string registry = target.Key, client = target.Value;
                if (!ShouldProcess(registry, client + " logout"))
                {
                    continue;
                }
                // A missing client fails that registry only: the others still log out.
                string clientPath = ProgramPaths.Resolve(client);
                if (clientPath == null)
                {
                    WriteError(Failures.ClientNotFound(client, registry));
                    continue;
                }
                string[] arguments = ClientRunner.LogoutArguments(client, registry);
                WriteVerbose("Running: " + clientPath + " " + string.Join(" ", arguments));
                ClientRun run = ClientRunner.Run(clientPath, arguments, null, TimeoutSec);
                foreach (string line in run.ErrorLines)
                {
                    WriteVerbose(client + ": " + line);
                }
                ErrorRecord failure = ClientResults.LogoutFailure(client, registry, run, TimeoutSec);
                if (failure != null)
                {
                    WriteError(failure);
                    continue;
                }
                foreach (string line in run.OutputLines)
                {
                    WriteInformation(registry + ": " + line, new[] { "EcrAuth", "ClientOutput", client, "PSHOST" });
                }
                StateStore.Forget(directory, registry, client);
                // Nor may the login come back from this process's reusable tokens.
                if (NativeFetch.IsBound)
                {
                    NativeFetch.ForgetTokens();
                }
            }
        }
    }
}
