using System;
using System.Management.Automation;
using System.Security;
using System.Text;
using EcrAuth.Engine;
using EcrAuth.Native;

namespace EcrAuth.Commands
{
    /// <summary>Writes the ECR registry password(s), for piping into tools EcrAuth does not run itself.</summary>
    /// <remarks>
    /// <para>Like `aws ecr get-login-password`: fetches an authorization token and writes each registry's
    /// password to the pipeline. Pipe it straight into a client's --password-stdin; do not store it.
    /// With -AsLogin, writes EcrAuth.Login objects instead, each with a Credential (PSCredential)
    /// property, and runs no client.</para>
    /// <para>Errors as with Connect-EcrRegistry: bad parameters stop the command; a failed token request
    /// is a non-terminating error.</para>
    /// </remarks>
    /// <example>
    /// <code>Get-EcrLoginPassword $accessKey $secretKey | podman login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com</code>
    /// <para>Logs podman in with the password, which goes through the pipeline only.</para>
    /// </example>
    /// <example>
    /// <code>Get-EcrLoginPassword -ProfileName dev -AsLogin | Format-Table Registry, ExpiresAt</code>
    /// <para>Shows each registry of profile dev and when its password expires.</para>
    /// </example>
    /// <outputType name="System.String">The password of each registry.</outputType>
    /// <outputType name="EcrAuth.Login">With -AsLogin: Registry, Username, ExpiresAt, ProxyEndpoint, Credential.</outputType>
    /// <related>Connect-EcrRegistry</related>
    /// <related>about_EcrAuth</related>
    [Cmdlet(VerbsCommon.Get, "EcrLoginPassword", DefaultParameterSetName = "Keys")]
    [OutputType(typeof(string))]
    [OutputType("EcrAuth.Login")]
    public sealed class GetEcrLoginPasswordCommand : FetchCommandBase
    {
        /// <summary>
        /// Writes EcrAuth.Login objects (Registry, Username, ExpiresAt, ProxyEndpoint, Credential)
        /// instead of bare passwords.
        /// </summary>
        [Parameter]
        public SwitchParameter AsLogin { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            FetchOutcome fetch = FetchOrStop(NewRequest("docker"), true);
            try
            {
                foreach (NativeLogin login in fetch.Logins)
                {
                    if (AsLogin)
                    {
                        FormatLoader.Ensure();
                        PSObject result = LoginObject(login.Registry, login.Username, login.ExpiresAt, login.ProxyEndpoint, null);
                        result.Properties.Add(new PSNoteProperty("Credential", new PSCredential(login.Username, ToSecureString(login.Password))));
                        WriteObject(result);
                    }
                    else
                    {
                        WriteObject(Encoding.UTF8.GetString(login.Password));
                    }
                    Clear(login.Password);
                }
            }
            finally
            {
                fetch.ClearPasswords();
            }
            foreach (Failure failure in fetch.Failures)
            {
                WriteFailure(Failures.ToRecord(failure));
            }
        }

        // The password as a SecureString, through a char array that is cleared (no managed string).
        private static SecureString ToSecureString(byte[] utf8)
        {
            char[] chars = Encoding.UTF8.GetChars(utf8);
            try
            {
                var secure = new SecureString();
                foreach (char c in chars)
                {
                    secure.AppendChar(c);
                }
                secure.MakeReadOnly();
                return secure;
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
            }
        }
    }
}
