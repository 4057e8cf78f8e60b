using System;
using System.Collections.Generic;
using System.Management.Automation;
using EcrAuth.Engine;
using EcrAuth.Native;

namespace EcrAuth.Commands
{
    /// <summary>Logs Docker (or another container client) into Amazon ECR, with no secret on any command line.</summary>
    /// <remarks>
    /// <para>Fetches an ECR authorization token (GetAuthorizationToken) through EcrAuth's native library,
    /// decodes it, and runs the client's login for each registry, e.g.
    /// `docker login --username AWS --password-stdin &lt;registry&gt;`, writing the password to the
    /// client's standard input. The secret key, session token and registry password never appear in
    /// a command line, verbose output, an error message or a file EcrAuth writes.</para>
    /// <para>Credentials come from keys (-AccessKey and -SecretKey, the default), a PSCredential, a named
    /// profile of the shared AWS files, or the AWS SDK's default chain (environment, files, web
    /// identity, ECS, instance metadata).</para>
    /// <para>A repeat call for the same identity, registries and client while the previous login has more
    /// than 15 minutes left does nothing, also in a new shell: EcrAuth remembers registry hosts and
    /// expiry times (no secrets) in a per-user folder, and checks that the client's own auth file
    /// still holds the login (docker, nerdctl and oras: docker's config.json; podman: its auth.json;
    /// helm: its registry config.json; finch on macOS: ~/.finch/config.json). When that file hands
    /// the login to a credential store (credsStore or credHelpers, as Docker Desktop's does), EcrAuth
    /// asks the store's helper (docker-credential-&lt;name&gt; list) instead. A client without a file
    /// EcrAuth can check, or a helper that cannot answer, means logging in again. -Force always logs
    /// in again. A registry whose login the client's file gives to docker-credential-ecrauth
    /// (Register-EcrCredentialHelper) gets no client login, which the helper would drop: it is
    /// remembered as the helper's, with no expiry to watch.</para>
    /// <para>Errors: a bad parameter, a missing client or a missing native library stops the command
    /// (a terminating error). A failed token request or a registry whose login fails is a
    /// non-terminating error, one per failure, so -ErrorAction SilentlyContinue and -ErrorVariable
    /// work as usual, and the other registries still log in. An unknown -ProfileName is also a
    /// warning when errors are hidden. If EcrAuth cannot remember a login, it warns; the login
    /// itself stands.</para>
    /// <para>The client's own output ("Login Succeeded") goes to the information stream with the tags
    /// EcrAuth, ClientOutput and the client's name. Like Write-Host output it is shown by default;
    /// hide it with -InformationAction SilentlyContinue (or Ignore, or 6&gt;$null), collect it with
    /// -InformationVariable. The client's standard error goes to the verbose stream.</para>
    /// <para>Auth-ECR is an alias of this command.</para>
    /// </remarks>
    /// <example>
    /// <code>Auth-ECR $accessKey $secretKey</code>
    /// <para>Logs Docker into the key's own registry in us-east-1.</para>
    /// </example>
    /// <example>
    /// <code>Auth-ECR $accessKey $secretKey eu-west-1 -PassThru</code>
    /// <para>Logs in to the eu-west-1 registry and shows when the login expires.</para>
    /// </example>
    /// <example>
    /// <code>Connect-EcrRegistry -ProfileName prod -Registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com, 210987654321.dkr.ecr.us-east-2.amazonaws.com</code>
    /// <para>Logs in to two accounts' registries in two regions with the credentials of profile prod.</para>
    /// </example>
    /// <example>
    /// <code>Connect-EcrRegistry -UseDefaultCredentials -Client podman</code>
    /// <para>On a build server with an instance or task role: logs podman in with the role's credentials.</para>
    /// </example>
    /// <example>
    /// <code>Auth-ECR -Credential (Get-Credential) -Public</code>
    /// <para>Logs Docker in to ECR Public (public.ecr.aws).</para>
    /// </example>
    /// <example>
    /// <code>Auth-ECR -ProfileName dev -ErrorAction SilentlyContinue</code>
    /// <para>In a $PROFILE: logs in, or stays quiet when offline (an unknown profile still warns).</para>
    /// </example>
    /// <example>
    /// <code>Get-EcrConnection | Where-Object { -not $_.Valid } | Connect-EcrRegistry -Force</code>
    /// <para>Renews the logins that are about to expire (those made with a profile or the default chain;
    /// for logins made with keys, pass the keys too).</para>
    /// </example>
    /// <example>
    /// <code>Auth-ECR $accessKey $secretKey -WhatIf</code>
    /// <para>Shows what would happen; fetches nothing and runs nothing.</para>
    /// </example>
    /// <inputType name="EcrAuth.Connection">Get-EcrConnection (or -PassThru EcrAuth.Login) objects: their Registry and Client,
    /// and ProfileName, UseDefaultCredentials and EndpointUrl where present. Each piped object is one login.</inputType>
    /// <outputType name="EcrAuth.Login">With -PassThru, one per registry: Registry, Username, ExpiresAt, ProxyEndpoint, Client.</outputType>
    /// <related>Disconnect-EcrRegistry</related>
    /// <related>Get-EcrConnection</related>
    /// <related>Get-EcrLoginPassword</related>
    /// <related>about_EcrAuth</related>
    [Cmdlet(VerbsCommunications.Connect, "EcrRegistry", SupportsShouldProcess = true, DefaultParameterSetName = "Keys")]
    [Alias("Auth-ECR")]
    [OutputType("EcrAuth.Login")]
    public sealed class ConnectEcrRegistryCommand : FetchCommandBase
    {
        /// <summary>
        /// The container client to log in: docker (default), podman, finch, nerdctl, helm or oras.
        /// Accepts the Client property of piped objects.
        /// </summary>
        /// <default>docker</default>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("docker", "podman", "finch", "nerdctl", "helm", "oras")]
        public string Client { get; set; } = "docker";

        /// <summary>Log in even if EcrAuth remembers a still-valid login, and fetch a new token.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Writes an EcrAuth.Login object per registry (Registry, Username, ExpiresAt, ProxyEndpoint, Client).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// Log in the credential helper's way: instead of running the client's login, fetch once (to
        /// check the identity and learn the registry hosts), then set up docker-credential-ecrauth for
        /// those hosts with this profile or the default chain, and -RoleArn (Register-EcrCredentialHelper), so that
        /// the client fetches a fresh token whenever it needs one. docker and podman only; not with keys,
        /// which the helper cannot keep. A repeat call (the next shell's $PROFILE line) does nothing while
        /// the client's file still gives those hosts to the helper.
        /// </summary>
        [Parameter]
        public SwitchParameter CredentialHelper { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            // First the repeat check, kept small: in a new shell it is all a $PROFILE line pays for.
            string what = Public ? "ECR Public" : Registry != null ? string.Join(", ", Registry)
                : RegistryId != null ? "ECR registries of " + string.Join(", ", RegistryId) : "the ECR registry of the credentials' account";
            if (!ShouldProcess(what, "Fetch an authorization token and run " + Client + " login"))
            {
                return;
            }
            if (CredentialHelper)
            {
                CheckHelperRequest();
            }
            string accessKey = ParameterSetName == "Credential" ? Credential.UserName : AccessKey;
            string key = RepeatCheck.RequestKey(ParameterSetName, accessKey, ProfileName, Region, RegistryId, Registry, Public.IsPresent, EndpointUrl, Client, RoleArn);
            string stateDirectory = StateDirectory;
            if (!Force)
            {
                List<StateLogin> current = RepeatCheck.CurrentLogins(key, Client, stateDirectory, ResolveProgram, CredentialHelper);
                if (current != null)
                {
                    foreach (StateLogin login in current)
                    {
                        WriteVerbose(login.Helper
                            ? login.Registry + " is served by docker-credential-ecrauth for " + Client + ", which fetches a fresh token whenever it needs one; nothing to do (use -Force to set it up again)."
                            : "Already logged in to " + login.Registry + " with " + Client + " until " + login.ExpiresAt.ToString("u") + "; nothing to do (use -Force to log in again).");
                        if (PassThru)
                        {
                            FormatLoader.Ensure();
                            WriteObject(LoginObject(login.Registry, login.Username, login.ExpiresAt, login.ProxyEndpoint, Client));
                        }
                    }
                    return;
                }
            }
            if (CredentialHelper)
            {
                LogInThroughHelper(key, stateDirectory);
                return;
            }
            LogIn(key, stateDirectory);
        }

        private void LogIn(string key, string stateDirectory)
        {
            FetchRequest request = NewRequest(Client);
            string clientPath = ResolveProgram(Client);
            if (clientPath == null)
            {
                ThrowTerminatingError(Failures.ClientNotFound(Client));
            }
            WriteVerbose("Requesting an ECR authorization token with " + request.SourceText + " in " +
                (request.Region.Length > 0 ? request.Region : "the configured region") + " (endpoint: " +
                (request.EndpointUrl.Length > 0 ? Failures.RedactUrl(request.EndpointUrl) : "the regional default") + ").");
            FetchOutcome fetch = FetchOrStop(request, !Force);
            WriteVerbose("ECR returned " + fetch.Logins.Count + " login(s).");
            string authText = RepeatCheck.AuthFileText(Client);
            var errors = new List<ErrorRecord>();
            var logins = new List<StateLogin>();
            // Show the client's output unless asked not to (-InformationAction SilentlyContinue/Ignore).
            bool quiet = MyInvocation.BoundParameters.ContainsKey("InformationAction") && Hidden("InformationAction", "InformationPreference");
            string[] tags = quiet ? new[] { "EcrAuth", "ClientOutput", Client } : new[] { "EcrAuth", "ClientOutput", Client, "PSHOST" };
            // Whatever stops this loop, no login's password stays in memory (finally: every one).
            try
            {
                foreach (NativeLogin login in fetch.Logins)
                {
                    bool servedByHelper = RepeatCheck.CredentialHelperName(authText, login.Registry) == RepeatCheck.OwnHelper;
                    StateLogin remembered = Remembered(login, servedByHelper);
                    if (servedByHelper)
                    {
                        // The client would hand this password to our helper's store, which drops it. A
                        // warning, once (the record makes the next call a repeat): these credentials are not the ones used.
                        Clear(login.Password);
                        WriteWarning(login.Registry + " is served by docker-credential-ecrauth (" + Platform.ClientAuthFile(Client) + " gives it the host): " + Client +
                            " gets its tokens from the helper, with the identity Register-EcrCredentialHelper set, so no " + Client + " login is run. " +
                            "To log in with these credentials instead: Unregister-EcrCredentialHelper -Registry " + login.Registry + ".");
                        logins.Add(remembered);
                        continue;
                    }
                    string[] arguments = ClientRunner.LoginArguments(Client, login.Registry, login.Username);
                    WriteVerbose("Running: " + clientPath + " " + string.Join(" ", arguments) + " (password on standard input)");
                    ClientRun run;
                    try
                    {
                        run = ClientRunner.Run(clientPath, arguments, login.Password, TimeoutSec);
                    }
                    finally
                    {
                        Clear(login.Password);
                    }
                    foreach (string line in run.ErrorLines)
                    {
                        WriteVerbose(Client + ": " + line);
                    }
                    ErrorRecord failure = ClientResults.LoginFailure(Client, login.Registry, run, TimeoutSec);
                    if (failure != null)
                    {
                        errors.Add(failure);
                        continue;
                    }
                    foreach (string line in run.OutputLines)
                    {
                        WriteInformation(login.Registry + ": " + line, tags);
                    }
                    logins.Add(remembered);
                }
            }
            finally
            {
                fetch.ClearPasswords();
            }
            foreach (Failure failure in fetch.Failures)
            {
                errors.Add(Failures.ToRecord(failure));
            }
            if (logins.Count > 0)
            {
                string warning = StateStore.Save(stateDirectory, key, request, logins);
                if (warning != null)
                {
                    WriteWarning(warning);
                }
            }
            if (PassThru && logins.Count > 0)
            {
                FormatLoader.Ensure();
                foreach (StateLogin login in logins)
                {
                    WriteObject(LoginObject(login.Registry, login.Username, login.ExpiresAt, login.ProxyEndpoint, Client));
                }
            }
            foreach (ErrorRecord record in errors)
            {
                WriteFailure(record);
            }
        }

        // What the state record keeps of a login: no password.
        private static StateLogin Remembered(NativeLogin login, bool helper)
        {
            return new StateLogin
            {
                Registry = login.Registry,
                Username = login.Username,
                Expires = new DateTimeOffset(DateTime.SpecifyKind(login.ExpiresAt, DateTimeKind.Utc)).ToUnixTimeSeconds(),
                ProxyEndpoint = login.ProxyEndpoint,
                Helper = helper,
            };
        }

        // -CredentialHelper's conditions, checked before the repeat check and any network call.
        private void CheckHelperRequest()
        {
            if (ParameterSetName == "Keys" || ParameterSetName == "Credential")
            {
                string message = "-CredentialHelper needs -ProfileName or -UseDefaultCredentials: the helper runs on its own, whenever docker starts it, and keeps no keys.";
                ThrowTerminatingError(Failures.New(message, "CredentialHelperNeedsProfile", ErrorCategory.InvalidArgument, new ArgumentException(message), null));
            }
            if (Client != "docker" && Client != "podman")
            {
                string message = "-CredentialHelper sets up docker and podman (their auth files read credHelpers); " + Client + " does not read them. Log it in without -CredentialHelper.";
                ThrowTerminatingError(Failures.New(message, "CredentialHelperClientUnsupported", ErrorCategory.InvalidArgument, new ArgumentException(message), Client));
            }
            CredentialHelperSetup.RequireHelper(this);
        }

        private void LogInThroughHelper(string key, string stateDirectory)
        {
            FetchRequest request = NewRequest(Client);
            FetchOutcome fetch = FetchOrStop(request, !Force);
            fetch.ClearPasswords(); // the helper fetches its own
            var hosts = fetch.Logins.ConvertAll(login => login.Registry);
            // Asked already (ShouldProcess above): no second prompt for the files.
            if (hosts.Count > 0 &&
                CredentialHelperSetup.Apply(this, "register", hosts, new[] { Client }, CredentialHelperSetup.IdentityArguments(ProfileName, RoleArn, Region, null, EndpointUrl), false))
            {
                // Remembered as the helper's, so that the next shell's Auth-ECR -CredentialHelper does nothing.
                var logins = fetch.Logins.ConvertAll(login => Remembered(login, true));
                string warning = StateStore.Save(stateDirectory, key, request, logins);
                if (warning != null)
                {
                    WriteWarning(warning);
                }
                if (PassThru)
                {
                    FormatLoader.Ensure();
                    foreach (NativeLogin login in fetch.Logins)
                    {
                        WriteObject(LoginObject(login.Registry, login.Username, login.ExpiresAt, login.ProxyEndpoint, Client));
                    }
                }
            }
            foreach (Failure failure in fetch.Failures)
            {
                WriteFailure(Failures.ToRecord(failure));
            }
        }
    }
}
