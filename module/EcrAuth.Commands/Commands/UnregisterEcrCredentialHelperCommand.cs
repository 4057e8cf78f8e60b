using System.Management.Automation;

namespace EcrAuth.Commands
{
    /// <summary>Stops docker (and podman) from using docker-credential-ecrauth for the given registries.</summary>
    /// <remarks>
    /// <para>Removes the registries' "credHelpers" entries that name ecrauth from docker's config.json
    /// (and podman's auth.json with -Client podman), keeping every other key, and removes them from
    /// the helper's configuration. The clients then need a login again (Auth-ECR). -WhatIf shows each
    /// change and makes none.</para>
    /// </remarks>
    /// <example>
    /// <code>Unregister-EcrCredentialHelper -Registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com</code>
    /// <para>docker stops asking the helper for that registry.</para>
    /// </example>
    /// <inputType name="System.String">Registry hosts.</inputType>
    /// <outputType name="None">Nothing; -Verbose lists each change.</outputType>
    /// <related>Register-EcrCredentialHelper</related>
    /// <related>about_EcrAuth</related>
    [Cmdlet(VerbsLifecycle.Unregister, "EcrCredentialHelper", SupportsShouldProcess = true)]
    public sealed class UnregisterEcrCredentialHelperCommand : PSCmdlet
    {
        /// <summary>The registry hosts the helper should no longer serve.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Registry { get; set; }

        /// <summary>The clients whose files lose the credHelpers entries: docker (also nerdctl and oras) and podman.</summary>
        /// <default>docker</default>
        [Parameter]
        [ValidateSet("docker", "podman")]
        public string[] Client { get; set; } = { "docker" };

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            CredentialHelperSetup.Apply(this, "unregister", Registry, Client, new string[0], true);
        }
    }
}
