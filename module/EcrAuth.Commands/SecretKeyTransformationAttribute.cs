using System;
using System.Management.Automation;
using System.Net;
using System.Security;

namespace EcrAuth
{
    /// <summary>
    /// The argument transformation of -SecretKey and -SessionToken: the parameter is a
    /// SecureString (so PowerShell masks its Mandatory prompt) that also takes a plain string
    /// (<c>Auth-ECR $key $secret</c>). Its errors never show the value. Compiled, it costs
    /// nothing at import (the script class or Reflection.Emit it replaces cost 55-68 ms) and has
    /// no runspace affinity.
    /// </summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
    public sealed class SecretKeyTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <summary>The most characters a SecureString holds.</summary>
        public const int MaximumLength = 65536;

        /// <summary>What the value is, for messages ("secret key", "session token").</summary>
        public string Name { get; set; } = "secret key";

        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value == null || value is SecureString)
            {
                return value;
            }
            if (value is string text)
            {
                if (text.Length == 0)
                {
                    throw new ArgumentTransformationMetadataException("The " + Name + " is empty.");
                }
                if (text.Length > MaximumLength)
                {
                    throw new ArgumentTransformationMetadataException("The " + Name + " is longer than 65536 characters (the most a SecureString holds).");
                }
                return new NetworkCredential(string.Empty, text).SecurePassword;
            }
            throw new ArgumentTransformationMetadataException("The " + Name + " must be a string or a SecureString.");
        }
    }
}
