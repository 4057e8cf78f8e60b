using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EcrAuth.Commands
{
    /// <summary>
    /// Loads the table views of EcrAuth.Login and EcrAuth.Connection (EcrAuth.Format.ps1xml) when a
    /// command first writes one, once per runspace, rather than at Import-Module: as the
    /// manifest's FormatsToProcess the file cost every import (the $PROFILE line included) about
    /// 4 ms, more than the rest of the module. Update-FormatData runs in a nested pipeline of its
    /// own, quietly (the caller's -Verbose, -WhatIf and -Confirm do not reach it); where it is not
    /// allowed (a restricted endpoint), the objects keep PowerShell's default view.
    /// </summary>
    internal static class FormatLoader
    {
        private static readonly HashSet<Guid> Loaded = new HashSet<Guid>();

        internal static void Ensure()
        {
            Runspace runspace = Runspace.DefaultRunspace;
            if (runspace == null)
            {
                return;
            }
            lock (Loaded)
            {
                if (!Loaded.Add(runspace.InstanceId))
                {
                    return;
                }
            }
            string file = Path.Combine(Path.GetDirectoryName(typeof(FormatLoader).Assembly.Location), "EcrAuth.Format.ps1xml");
            try
            {
                using (PowerShell shell = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    // In a scope of its own with the preferences off: the format loader reports each
                    // view it reads (of every module) on the host when $VerbosePreference says so.
                    shell.AddScript("param($file) $VerbosePreference = 'SilentlyContinue'; $WhatIfPreference = $false; $ConfirmPreference = 'None'; " +
                        "Microsoft.PowerShell.Utility\\Update-FormatData -PrependPath $file", true).AddArgument(file);
                    shell.Invoke();
                }
            }
            catch (RuntimeException)
            {
                // Not allowed here: the default view it is.
            }
        }
    }
}
