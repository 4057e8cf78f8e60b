using System.Management.Automation;

namespace EcrAuth.Commands
{
    /// <summary>Makes docker (and podman) get ECR logins from docker-credential-ecrauth, EcrAuth's credential helper, for the given registries.</summary>
    /// <remarks>
    /// <para>A credential helper fetches a fresh ECR token whenever the client needs one, so a login never
    /// expires mid-day (an ECR login lasts 12 hours). This command writes `"credHelpers": { "&lt;host&gt;": "ecrauth" }`
    /// into docker's config.json (and podman's auth.json with -Client podman), keeping every other key,
    /// replacing the file atomically and keeping its permissions; a static login of the same host in
    /// "auths" is removed (the helper replaces it). It also records which identity serves each host in
    /// the helper's configuration (%APPDATA%\EcrAuth\credential-helper.json on Windows,
    /// ~/.config/ecrauth/credential-helper.json elsewhere, or ECRAUTH_HELPER_CONFIG): a profile, or
    /// the default credential chain, and a role to assume (-RoleArn); the region from an ECR host. Nothing secret is written.</para>
    /// <para>The helper caches tokens for every process of the user in the operating system's secret
    /// storage (the kernel's user keyring on Linux, DPAPI on Windows, the login Keychain on macOS), never
    /// in a plain file. A token the registry refuses before it expires (revoked) goes with docker logout.</para>
    /// <para>docker finds the helper on PATH: when it is not there, the command warns with the line that
    /// puts it there. -WhatIf shows each change and makes none.</para>
    /// </remarks>
    /// <example>
    /// <code>Register-EcrCredentialHelper -Registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com -ProfileName prod</code>
    /// <para>docker pulls from that registry with profile prod's credentials, fetching a token when needed.</para>
    /// </example>
    /// <example>
    /// <code>Register-EcrCredentialHelper 210987654321.dkr.ecr.us-east-1.amazonaws.com -RoleArn arn:aws:iam::210987654321:role/ecr-pull</code>
    /// <para>The default chain's credentials assume the other account's pull role for that registry.</para>
    /// </example>
    /// <example>
    /// <code>Register-EcrCredentialHelper 123456789012.dkr.ecr.us-east-1.amazonaws.com -Client docker, podman -WhatIf</code>
    /// <para>Shows what would change in docker's and podman's files, with the default credential chain.</para>
    /// </example>
    /// <inputType name="System.String">Registry hosts.</inputType>
    /// <outputType name="None">Nothing; -Verbose lists each change.</outputType>
    /// <related>Unregister-EcrCredentialHelper</related>
    /// <related>Connect-EcrRegistry</related>
    /// <related>about_EcrAuth</related>
    [Cmdlet(VerbsLifecycle.Register, "EcrCredentialHelper", SupportsShouldProcess = true)]
    public sealed class RegisterEcrCredentialHelperCommand : PSCmdlet
    {
        /// <summary>The registry hosts the helper serves, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Registry { get; set; }

        /// <summary>The AWS profile whose credentials serve these registries. Default: the SDK's default credential chain.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string ProfileName { get; set; }

        /// <summary>
        /// A role to assume for these registries: the helper calls STS AssumeRole with the profile's (or the
        /// default chain's) credentials, then asks ECR as the role. For a registry of another account, or a
        /// pull-only role. (A profile with role_arn does the same from the AWS files.)
        /// </summary>
        [Parameter]
        [ValidateRoleArn]
        public string RoleArn { get; set; }

        /// <summary>The region, for hosts that do not name one (an ECR host does). Default: the profile's or environment's.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(RegionCompleter))]
        [ValidateRegion]
        public string Region { get; set; }

        /// <summary>The 12-digit account id whose registry a host is, for hosts that do not name it (a local mirror).</summary>
        [Parameter]
        [ValidateRegistryId]
        public string RegistryId { get; set; }

        /// <summary>Overrides the ECR API endpoint for these registries (AWS_ENDPOINT_URL_ECR is honoured too).</summary>
        [Parameter]
        [ValidateEndpointUrl]
        public string EndpointUrl { get; set; }

        /// <summary>The clients whose files get the credHelpers entries: docker (also nerdctl and oras) and podman.</summary>
        /// <default>docker</default>
        [Parameter]
        [ValidateSet("docker", "podman")]
        public string[] Client { get; set; } = { "docker" };

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            CredentialHelperSetup.Apply(this, "register", Registry, Client, CredentialHelperSetup.IdentityArguments(ProfileName, RoleArn, Region, RegistryId, EndpointUrl), true);
        }
    }
}
