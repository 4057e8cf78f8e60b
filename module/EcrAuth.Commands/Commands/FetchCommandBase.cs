using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security;
using EcrAuth.Engine;

namespace EcrAuth.Commands
{
    /// <summary>
    /// The credential, region and registry parameters of Connect-EcrRegistry and
    /// Get-EcrLoginPassword, declared once so the two cannot drift, and what both do with them.
    /// </summary>
    public abstract class FetchCommandBase : PSCmdlet
    {
        /// <summary>The AWS access key id (AKIA... or ASIA...).</summary>
        [Parameter(ParameterSetName = "Keys", Mandatory = true, Position = 0)]
        [Alias("AccessKeyId")]
        [ValidateNotNullOrEmpty]
        public string AccessKey { get; set; }

        /// <summary>
        /// The AWS secret access key, as a string or a SecureString. When PowerShell prompts for
        /// it, the input is masked.
        /// </summary>
        [Parameter(ParameterSetName = "Keys", Mandatory = true, Position = 1)]
        [Alias("SecretAccessKey")]
        [SecretKeyTransformation]
        public SecureString SecretKey { get; set; }

        /// <summary>A PSCredential whose user name is the access key id and whose password is the secret key.</summary>
        [Parameter(ParameterSetName = "Credential", Mandatory = true)]
        public PSCredential Credential { get; set; }

        /// <summary>
        /// A profile of the shared AWS config/credentials files (static keys, role_arn with
        /// source_profile, credential_process or SSO). Tab completion offers the profiles of
        /// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/config,
        /// ~/.aws/credentials). Accepts the ProfileName property of piped objects (Get-EcrConnection).
        /// </summary>
        [Parameter(ParameterSetName = "Profile", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string ProfileName { get; set; }

        /// <summary>
        /// Use the AWS SDK's default credential chain (environment, files, web identity, ECS,
        /// instance metadata: for build servers with roles). Accepts the UseDefaultCredentials
        /// property of piped objects (Get-EcrConnection).
        /// </summary>
        [Parameter(ParameterSetName = "Default", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public SwitchParameter UseDefaultCredentials { get; set; }

        /// <summary>
        /// The AWS region. Tab completion offers known regions. When it is not given: with
        /// -AccessKey/-SecretKey or -Credential, us-east-1; with -ProfileName or -UseDefaultCredentials,
        /// AWS_REGION, AWS_DEFAULT_REGION or the profile's region, else us-east-1. With -Registry
        /// the region comes from each host.
        /// </summary>
        [Parameter(ParameterSetName = "Keys", Position = 2)]
        [Parameter(ParameterSetName = "Credential")]
        [Parameter(ParameterSetName = "Profile")]
        [Parameter(ParameterSetName = "Default")]
        [ArgumentCompleter(typeof(RegionCompleter))]
        [ValidateRegion]
        public string Region { get; set; }

        /// <summary>
        /// The session token of temporary credentials (from STS, SSO or a role): a SecureString,
        /// or a plain string (made a SecureString at once), like -SecretKey.
        /// </summary>
        [Parameter(ParameterSetName = "Keys")]
        [Parameter(ParameterSetName = "Credential")]
        [SecretKeyTransformation(Name = "session token")]
        public SecureString SessionToken { get; set; }

        /// <summary>
        /// An IAM role to assume with these credentials before asking ECR (STS AssumeRole, at STS's own
        /// endpoint: AWS_ENDPOINT_URL_STS honoured), e.g. another account's pull role. A profile with
        /// role_arn does the same from the AWS files. Accepts the RoleArn property of piped objects.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRoleArn]
        public string RoleArn { get; set; }

        /// <summary>One or more 12-digit AWS account ids whose registries to use (fetched concurrently).</summary>
        [Parameter]
        [ValidateCount(1, 10)]
        [ValidateRegistryId]
        public string[] RegistryId { get; set; }

        /// <summary>
        /// One or more registry hosts such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com; account
        /// and region come from the host. FIPS (dkr.ecr-fips), dual-stack (dkr-ecr.&lt;region&gt;.on.aws),
        /// China and isolated-partition hosts are accepted; public.ecr.aws means -Public. Accepts
        /// the Registry property of piped objects; tab completion offers the registries EcrAuth
        /// logged in.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(RegistryCompleter))]
        [ValidateCount(1, 10)]
        [ValidateNotNullOrEmpty]
        public string[] Registry { get; set; }

        /// <summary>ECR Public (public.ecr.aws) instead.</summary>
        [Parameter]
        public SwitchParameter Public { get; set; }

        /// <summary>
        /// Overrides the ECR API endpoint, e.g. a VPC interface endpoint or a local mock.
        /// AWS_ENDPOINT_URL_ECR is honoured too. Accepts the EndpointUrl property of piped objects.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateEndpointUrl]
        public string EndpointUrl { get; set; }

        /// <summary>A PEM file of CA certificates to trust instead of the system's (default: AWS_CA_BUNDLE).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CaBundle { get; set; }

        /// <summary>
        /// How long the token request may take, retries included, in seconds (1-600), and then
        /// each client login: a client that overruns is stopped with the processes it started.
        /// </summary>
        /// <default>30</default>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 30;

        /// <summary>The module's folder (the native libraries are in its &lt;rid&gt; subfolders).</summary>
        protected static string ModuleBase => Path.GetDirectoryName(typeof(FetchCommandBase).Assembly.Location);

        /// <summary>The records' folder, with a relative ECRAUTH_STATE_DIR resolved against PowerShell's location.</summary>
        protected string StateDirectory => ProgramPaths.StateDirectory(this);

        /// <summary>The request of this invocation, for <paramref name="client"/>; a terminating error for a missing CA bundle.</summary>
        protected FetchRequest NewRequest(string client)
        {
            var request = new FetchRequest { TimeoutSec = TimeoutSec, Client = client, Region = Region ?? string.Empty, EndpointUrl = EndpointUrl ?? string.Empty, RoleArn = RoleArn ?? string.Empty };
            request.SessionToken = SessionToken;
            if (RegistryId != null)
            {
                request.RegistryIds.AddRange(RegistryId);
            }
            request.Public = Public.IsPresent;
            foreach (string name in Registry ?? new string[0])
            {
                // public.ecr.aws (e.g. piped from Get-EcrConnection) is ECR Public, not a host to parse.
                if (name == "public.ecr.aws")
                {
                    request.Public = true;
                }
                else
                {
                    request.Registries.Add(name);
                }
            }
            switch (ParameterSetName)
            {
                case "Credential":
                    request.AccessKey = Credential.UserName;
                    request.SecretKey = Credential.Password;
                    break;
                case "Profile":
                    request.Source = CredentialSource.Profile;
                    request.Profile = ProfileName;
                    break;
                case "Default":
                    request.Source = CredentialSource.Default;
                    break;
                default:
                    request.AccessKey = AccessKey;
                    request.SecretKey = SecretKey;
                    break;
            }
            // Keys keep their documented default region; profiles and the default chain resolve theirs.
            if (request.Region.Length == 0 && request.Source == CredentialSource.Static)
            {
                request.Region = "us-east-1";
            }
            if (!string.IsNullOrEmpty(CaBundle))
            {
                string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CaBundle);
                if (!File.Exists(path))
                {
                    string message = "The CA bundle '" + path + "' does not exist.";
                    ThrowTerminatingError(Failures.New(message, "CaBundleNotFound", ErrorCategory.ObjectNotFound, new FileNotFoundException(message, path), path));
                }
                request.CaBundle = path;
            }
            return request;
        }

        /// <summary>Fetches; stops the command (terminating) when the library is missing or the request is malformed.</summary>
        protected FetchOutcome FetchOrStop(FetchRequest request, bool reuseTokens)
        {
            FetchOutcome outcome;
            try
            {
                outcome = Fetcher.Fetch(request, reuseTokens, ModuleBase);
            }
            catch (ErrorRecordException error)
            {
                ThrowTerminatingError(error.Record);
                return null;
            }
            foreach (Failure failure in outcome.Failures)
            {
                // A malformed request is the caller's to fix: stop before any client runs.
                if (failure.IsUsageError)
                {
                    outcome.ClearPasswords();
                    ThrowTerminatingError(Failures.ToRecord(failure));
                }
            }
            return outcome;
        }

        /// <summary>
        /// Writes a per-registry error. An unknown profile is also a warning when errors are hidden
        /// (the README's $PROFILE line uses -ErrorAction SilentlyContinue): a typo must not pass unseen.
        /// </summary>
        protected void WriteFailure(ErrorRecord record)
        {
            if (record.FullyQualifiedErrorId == "EcrAuth.ProfileNotFound" && ErrorsHidden())
            {
                WriteWarning(record.Exception.Message);
            }
            WriteError(record);
        }

        /// <summary>Whether a preference (bound, else the caller's variable) is SilentlyContinue or Ignore.</summary>
        protected bool Hidden(string parameter, string variable)
        {
            object value = MyInvocation.BoundParameters.TryGetValue(parameter, out object bound) ? bound : GetVariableValue(variable);
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }
            string text = value == null ? string.Empty : value.ToString();
            return text == "SilentlyContinue" || text == "Ignore";
        }

        private bool ErrorsHidden() => Hidden("ErrorAction", "ErrorActionPreference");

        /// <summary>The public EcrAuth.Login object (no password); without a client, no Client property (Get-EcrLoginPassword -AsLogin runs none).</summary>
        protected static PSObject LoginObject(string registry, string username, DateTime expiresAt, string proxyEndpoint, string client)
        {
            var result = new PSObject();
            result.TypeNames.Insert(0, "EcrAuth.Login");
            result.Properties.Add(new PSNoteProperty("Registry", registry));
            result.Properties.Add(new PSNoteProperty("Username", username));
            result.Properties.Add(new PSNoteProperty("ExpiresAt", expiresAt));
            result.Properties.Add(new PSNoteProperty("ProxyEndpoint", proxyEndpoint));
            if (client != null)
            {
                result.Properties.Add(new PSNoteProperty("Client", client));
            }
            return result;
        }

        /// <summary>Clears a password's bytes.</summary>
        protected static void Clear(byte[] bytes)
        {
            if (bytes != null)
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        /// <summary>The full path of a program on PATH (PATHEXT on Windows), or null; cached per PATH.</summary>
        protected string ResolveProgram(string name)
        {
            return ProgramPaths.Resolve(name);
        }
    }
}
