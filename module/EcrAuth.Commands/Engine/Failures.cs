using System;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Security.Authentication;
using System.Text.RegularExpressions;

namespace EcrAuth.Engine
{
    /// <summary>A failure of one registry (or of the whole request), before it becomes an ErrorRecord.</summary>
    public sealed class Failure
    {
        /// <summary>Creates a failure; <paramref name="kind"/> overrides the status's usual error id and category.</summary>
        public Failure(string target, int status, string message, ErrorKind kind = null)
        {
            Target = target;
            Status = status;
            Message = message;
            Kind = kind;
        }

        /// <summary>The registry (or region, profile, option name) the failure is about.</summary>
        public string Target { get; }

        /// <summary>The native ecr_auth_status.</summary>
        public int Status { get; }

        /// <summary>What went wrong (never a secret).</summary>
        public string Message { get; internal set; }

        /// <summary>An explicit error id and category, or null for the status's own.</summary>
        public ErrorKind Kind { get; internal set; }

        /// <summary>Malformed input (bad key, region, endpoint, registry id or host): the caller's to fix, so a terminating error.</summary>
        public bool IsUsageError => Status >= 1 && Status <= 3;
    }

    /// <summary>An error id (after "EcrAuth."), its category, and the exception type that carries it.</summary>
    public sealed class ErrorKind
    {
        /// <summary>Creates a kind.</summary>
        public ErrorKind(string id, ErrorCategory category, Func<string, Exception> exception)
        {
            Id = id;
            Category = category;
            NewException = exception;
        }

        /// <summary>The id, without the "EcrAuth." prefix.</summary>
        public string Id { get; }

        /// <summary>The PowerShell error category.</summary>
        public ErrorCategory Category { get; }

        /// <summary>Makes the exception for a message.</summary>
        public Func<string, Exception> NewException { get; }
    }

    /// <summary>EcrAuth's error records: one place for ids, categories and exception types.</summary>
    public static class Failures
    {
        internal static readonly ErrorKind ProfileNotFound = new ErrorKind("ProfileNotFound", ErrorCategory.ObjectNotFound, m => new ItemNotFoundException(m));
        internal static readonly ErrorKind SsoSessionExpired = new ErrorKind("SsoSessionExpired", ErrorCategory.AuthenticationError, m => new AuthenticationException(m));
        internal static readonly ErrorKind AccessDenied = new ErrorKind("AccessDenied", ErrorCategory.PermissionDenied, m => new UnauthorizedAccessException(m));

        private static readonly Regex AccessDeniedText = new Regex(@"\bAccessDenied(Exception)?\b");

        /// <summary>The error kind of a native status (include/ecr_auth.h).</summary>
        public static ErrorKind ForStatus(int status)
        {
            switch (status)
            {
                case 1: return new ErrorKind("InvalidArgument", ErrorCategory.InvalidArgument, m => new ArgumentException(m));
                case 2: return new ErrorKind("NullPointer", ErrorCategory.InvalidOperation, m => new InvalidOperationException(m)); // EcrAuth's own bug, not the caller's
                case 3: return new ErrorKind("InvalidUtf8", ErrorCategory.InvalidArgument, m => new ArgumentException(m));
                case 4: return new ErrorKind("AuthFailed", ErrorCategory.AuthenticationError, m => new AuthenticationException(m));
                case 5: return new ErrorKind("Network", ErrorCategory.ConnectionError, m => new WebException(m));
                case 6: return new ErrorKind("Timeout", ErrorCategory.OperationTimeout, m => new TimeoutException(m));
                case 7: return new ErrorKind("ServiceError", ErrorCategory.ResourceUnavailable, m => new InvalidOperationException(m));
                case 8: return new ErrorKind("MalformedResponse", ErrorCategory.InvalidData, m => new InvalidDataException(m));
                case 9: return new ErrorKind("Internal", ErrorCategory.NotSpecified, m => new InvalidOperationException(m));
                case 10: return new ErrorKind("Panic", ErrorCategory.NotSpecified, m => new InvalidOperationException(m));
                case 11: return new ErrorKind("NoCredentials", ErrorCategory.AuthenticationError, m => new AuthenticationException(m));
                default: return new ErrorKind("Status" + status, ErrorCategory.NotSpecified, m => new InvalidOperationException(m));
            }
        }

        /// <summary>
        /// A failure as an ErrorRecord. An account or role without ecr:GetAuthorizationToken is
        /// PermissionDenied, not a refused key.
        /// </summary>
        public static ErrorRecord ToRecord(Failure failure)
        {
            ErrorKind kind = failure.Kind;
            if (kind == null)
            {
                kind = failure.Status == 4 && AccessDeniedText.IsMatch(failure.Message) ? AccessDenied : ForStatus(failure.Status);
            }
            return New(failure.Message, kind.Id, kind.Category, kind.NewException(failure.Message), failure.Target);
        }

        /// <summary>An ErrorRecord with id "EcrAuth.<paramref name="id"/>".</summary>
        public static ErrorRecord New(string message, string id, ErrorCategory category, Exception exception = null, object target = null)
        {
            return new ErrorRecord(exception ?? new InvalidOperationException(message), "EcrAuth." + id, category, target);
        }

        /// <summary>A client that is not on PATH.</summary>
        public static ErrorRecord ClientNotFound(string name, string registry = null)
        {
            string forWhat = string.IsNullOrEmpty(registry) ? string.Empty : " (to log out from " + registry + ")";
            string message = "'" + name + "' was not found on PATH" + forWhat + ". Install it or add its folder to PATH, " +
                "then run the command again (or choose another client with -Client).";
            return New(message, "ClientNotFound", ErrorCategory.ObjectNotFound, new CommandNotFoundException(message), name);
        }

        /// <summary>A URL for messages, never with its user:password@ part, also when it does not parse.</summary>
        public static string RedactUrl(string url)
        {
            // As the native library does: everything between the scheme and the last '@' goes (a
            // password may hold '/', '?' or '#'; a path with an '@' is over-redacted instead).
            return Regex.Replace(url ?? string.Empty, "^([^:/?#]*://)?.*@", "$1***@");
        }
    }
}
