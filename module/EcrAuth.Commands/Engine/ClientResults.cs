using System;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace EcrAuth.Engine
{
    /// <summary>A client run's failure, if any, as the ErrorRecord the user sees.</summary>
    public static class ClientResults
    {
        // Network words first: a port number such as 40123 must not read as HTTP 401.
        private static readonly Regex NetworkWords = new Regex("connection refused|no such host|timeout|i/o|unreachable|EOF", RegexOptions.IgnoreCase);
        private static readonly Regex AuthWords = new Regex(@"\b40[13]\b|unauthorized|denied|incorrect username or password", RegexOptions.IgnoreCase);

        /// <summary>The failure of one registry's login, or null when it succeeded.</summary>
        public static ErrorRecord LoginFailure(string client, string registry, ClientRun run, int timeoutSec)
        {
            string what = client + " login to " + registry;
            if (run.NotRun != null)
            {
                string message = what + " failed: " + run.NotRunMessage;
                return Failures.New(message, run.NotRun.Id, run.NotRun.Category, run.NotRun.NewException(message), registry);
            }
            if (run.TimedOut)
            {
                string message = what + " did not finish within " + timeoutSec + " seconds (-TimeoutSec); it was stopped, with the processes it started.";
                return Failures.New(message, "ClientTimeout", ErrorCategory.OperationTimeout, new TimeoutException(message), registry);
            }
            if (run.Error.IndexOf("The stub received bad data", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // Docker Desktop's credsStore "desktop" (and "wincred") keeps logins in the Windows
                // Credential Manager, whose 2,560-byte limit is smaller than an ECR token
                // (actions/runner-images#11172, danieljoos/wincred#18).
                string file = Platform.ClientAuthFile(client);
                string message = what + " failed: docker's credential store (the Windows Credential Manager, " +
                    "credsStore \"desktop\" or \"wincred\" in " + file + ") cannot hold an ECR token, which is longer than its 2,560-byte limit " +
                    "(\"The stub received bad data\"). Remove the \"credsStore\" line from " + file + ", or set DOCKER_CONFIG to a folder whose config.json has none; " +
                    "docker then keeps this login in config.json.";
                return Failures.New(message, "ClientCredentialStoreTooSmall", ErrorCategory.LimitsExceeded, null, registry);
            }
            if (run.ExitCode != 0)
            {
                string reason = LastLine(run, "exit code " + run.ExitCode);
                ErrorCategory category = NetworkWords.IsMatch(reason) ? ErrorCategory.ConnectionError
                    : AuthWords.IsMatch(reason) ? ErrorCategory.AuthenticationError : ErrorCategory.InvalidResult;
                return Failures.New(what + " failed: " + reason, "ClientLoginFailed", category, null, registry);
            }
            return null;
        }

        /// <summary>The failure of one registry's logout, or null when it succeeded.</summary>
        public static ErrorRecord LogoutFailure(string client, string registry, ClientRun run, int timeoutSec)
        {
            string reason;
            ErrorCategory category = ErrorCategory.InvalidResult;
            string id = "ClientLogoutFailed";
            Exception exception = null;
            if (run.NotRun != null)
            {
                reason = run.NotRunMessage;
            }
            else if (run.TimedOut)
            {
                reason = "it did not finish within " + timeoutSec + " seconds (-TimeoutSec); it was stopped, with the processes it started";
                category = ErrorCategory.OperationTimeout;
                id = "ClientTimeout";
                exception = new TimeoutException(client + " logout from " + registry + " failed: " + reason);
            }
            else if (run.ExitCode != 0)
            {
                reason = LastLine(run, "exit code " + run.ExitCode);
            }
            else
            {
                return null;
            }
            return Failures.New(client + " logout from " + registry + " failed: " + reason, id, category, exception, registry);
        }

        private static string LastLine(ClientRun run, string otherwise)
        {
            var lines = run.ErrorLines;
            return lines.Count > 0 ? lines[lines.Count - 1] : otherwise;
        }
    }
}
