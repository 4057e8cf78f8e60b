using System;
using System.Management.Automation;
using System.Text.RegularExpressions;
using EcrAuth.Engine;

namespace EcrAuth.Commands
{
    /// <summary>A value that must match a pattern; the message says what was expected.</summary>
    public abstract class ValidatePatternOfAttribute : ValidateEnumeratedArgumentsAttribute
    {
        private readonly Regex pattern;
        private readonly string problem;

        /// <summary>Checks each value against <paramref name="pattern"/>; <paramref name="problem"/> follows the quoted value in the message.</summary>
        protected ValidatePatternOfAttribute(Regex pattern, string problem)
        {
            this.pattern = pattern;
            this.problem = problem;
        }

        /// <inheritdoc />
        protected override void ValidateElement(object element)
        {
            string value = LanguagePrimitives.ConvertTo<string>(element);
            if (value == null || !pattern.IsMatch(value))
            {
                throw new ValidationMetadataException("'" + value + "' " + problem);
            }
        }
    }

    /// <summary>-Region: a well-formed AWS region name (any, not only the known ones).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateRegionAttribute : ValidatePatternOfAttribute
    {
        private static readonly Regex Pattern = new Regex("^[a-z]{2,5}(-[a-z]+)+-[0-9]{1,2}$");

        /// <summary>Creates the check.</summary>
        public ValidateRegionAttribute()
            : base(Pattern, "is not an AWS region name; expected something like us-east-1 or eu-west-2.")
        {
        }
    }

    /// <summary>-RegistryId: a 12-digit AWS account id.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateRegistryIdAttribute : ValidatePatternOfAttribute
    {
        private static readonly Regex Pattern = new Regex("^[0-9]{12}$");

        /// <summary>Creates the check.</summary>
        public ValidateRegistryIdAttribute()
            : base(Pattern, "is not a registry id; expected a 12-digit AWS account id such as 123456789012.")
        {
        }
    }

    /// <summary>-RoleArn: an IAM role ARN (the helper checks it the same way).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateRoleArnAttribute : ValidatePatternOfAttribute
    {
        private static readonly Regex Pattern = new Regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$");

        /// <summary>Creates the check.</summary>
        public ValidateRoleArnAttribute()
            : base(Pattern, "is not an IAM role ARN; expected something like arn:aws:iam::123456789012:role/ecr-pull.")
        {
        }
    }

    /// <summary>-EndpointUrl: an absolute http(s) URL; the message never shows its user:password@ part.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateEndpointUrlAttribute : ValidateEnumeratedArgumentsAttribute
    {
        /// <inheritdoc />
        protected override void ValidateElement(object element)
        {
            string value = LanguagePrimitives.ConvertTo<string>(element);
            if (!Uri.TryCreate(value, UriKind.Absolute, out Uri uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new ValidationMetadataException("'" + Failures.RedactUrl(value) + "' is not an http(s) URL; expected something like https://api.ecr.us-east-1.amazonaws.com.");
            }
        }
    }
}
