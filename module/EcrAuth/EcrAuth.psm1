# EcrAuth: log a container client into Amazon ECR.
#
# Import-Module parses this file in every $PROFILE that imports EcrAuth, so it holds only thin
# shells of the four public commands. Each shell's parameters come from its implementation in
# Private/Commands.ps1 (a dynamicparam block, which runs on first use: a call, tab completion,
# Get-Command), and its end block hands the shell's own $PSCmdlet and bound parameters to that
# implementation (Invoke-EcrCommand), so errors, -Verbose and -WhatIf belong to the public
# command. Help: en-US/EcrAuth-help.xml.
#
# Why: on a PowerShell whose engine is not precompiled (ReadyToRun), the parser is JIT-compiled
# as it meets each construct; the full param blocks, a try/catch, or a Set-StrictMode call here
# each cost 5-30 ms at import (benches/bench.ps1 measures the import). Keep it that way: no
# statements outside the functions, no cmdlet calls, nothing but what each shell needs (even
# [OutputType] costs ~2 ms here: the implementations declare it, and the help shows it).

function Connect-EcrRegistry {
    # .ExternalHelp EcrAuth-help.xml
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'Keys')]
    [Alias('Auth-ECR')]
    param()
    dynamicparam { . $PSScriptRoot/Private/Commands.ps1; Get-EcrDynamicParameter Connect-EcrRegistry }
    end { Invoke-EcrCommand $PSCmdlet $PSBoundParameters }
}

function Get-EcrLoginPassword {
    # .ExternalHelp EcrAuth-help.xml
    [CmdletBinding(DefaultParameterSetName = 'Keys')]
    param()
    dynamicparam { . $PSScriptRoot/Private/Commands.ps1; Get-EcrDynamicParameter Get-EcrLoginPassword }
    end { Invoke-EcrCommand $PSCmdlet $PSBoundParameters }
}

function Disconnect-EcrRegistry {
    # .ExternalHelp EcrAuth-help.xml
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    dynamicparam { . $PSScriptRoot/Private/Commands.ps1; Get-EcrDynamicParameter Disconnect-EcrRegistry }
    process { Invoke-EcrCommand $PSCmdlet $PSBoundParameters }
}

function Get-EcrConnection {
    # .ExternalHelp EcrAuth-help.xml
    [CmdletBinding()]
    param()
    dynamicparam { . $PSScriptRoot/Private/Commands.ps1; Get-EcrDynamicParameter Get-EcrConnection }
    end { Invoke-EcrCommand $PSCmdlet $PSBoundParameters }
}
