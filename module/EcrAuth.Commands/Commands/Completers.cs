using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using EcrAuth.Engine;

namespace EcrAuth.Commands
{
    /// <summary>Tab completion of -Region: the known regions (any well-formed name is still accepted).</summary>
    public sealed class RegionCompleter : IArgumentCompleter
    {
        /// <summary>Known regions.</summary>
        public static readonly string[] Regions =
        {
            "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1",
            "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
            "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
            "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
            "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
        };

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Completion.Matching(Regions, wordToComplete);
        }
    }

    /// <summary>Tab completion of -ProfileName: the profiles of the shared AWS files.</summary>
    public sealed class ProfileCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Completion.Matching(AwsProfiles.Names(), wordToComplete);
        }
    }

    /// <summary>Tab completion of -Registry: the registries EcrAuth logged in.</summary>
    public sealed class RegistryCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string location = null;
            try
            {
                location = Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath;
            }
            catch (InvalidOperationException)
            {
                // No runspace on this thread: a relative ECRAUTH_STATE_DIR resolves against the process's folder.
            }
            var names = new List<string>();
            foreach (var entry in StateStore.List(Platform.StateDirectory(location)))
            {
                names.Add(entry.Value.Registry);
            }
            return Completion.Matching(names, wordToComplete);
        }
    }

    internal static class Completion
    {
        internal static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string word)
        {
            var pattern = new WildcardPattern((word ?? string.Empty) + "*", WildcardOptions.IgnoreCase);
            var seen = new HashSet<string>();
            foreach (string value in values)
            {
                if (pattern.IsMatch(value) && seen.Add(value))
                {
                    yield return new CompletionResult(value, value, CompletionResultType.ParameterValue, value);
                }
            }
        }
    }
}
