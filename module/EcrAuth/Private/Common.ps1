# Shared by the other Private/ files: error records and platform facts.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

function script:New-EcrErrorRecord {
    param([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category,
        [type] $ExceptionType = [System.InvalidOperationException], [object] $Target)
    $exception = New-Object $ExceptionType.FullName -ArgumentList $Message
    New-Object System.Management.Automation.ErrorRecord($exception, "EcrAuth.$ErrorId", $Category, $Target)
}

function script:Test-EcrWindows {
    # $IsWindows does not exist on Windows PowerShell 5.1 (which only runs on Windows).
    ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows
}

function script:Get-EcrRuntimeId {
    # The process's architecture (not the OS's: x64 pwsh under Rosetta or Windows-on-ARM emulation
    # needs the x64 library). RuntimeInformation exists on .NET Framework 4.7.1+ and every .NET Core.
    $arch = $null
    try { $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant() } catch { }
    if (-not $arch) {
        $arch = switch ($env:PROCESSOR_ARCHITECTURE) { 'ARM64' { 'arm64' } 'x86' { 'x86' } default { 'x64' } }
    }
    $os = if (Test-EcrWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$arch"
}

function script:Get-EcrNativeLibraryName {
    param([string] $RuntimeId = (Get-EcrRuntimeId))
    switch -Wildcard ($RuntimeId) { 'win-*' { 'ecr_auth.dll' } 'osx-*' { 'libecr_auth.dylib' } default { 'libecr_auth.so' } }
}

function script:ConvertTo-EcrSpec {
    # One description of what the caller asked for, from any command's bound parameters.
    param([hashtable] $Bound, [string] $ParameterSet, [string] $DefaultRegion = 'us-east-1')
    $get = { param($name, $default) if ($Bound.ContainsKey($name)) { $Bound[$name] } else { $default } }
    $spec = @{
        Source = 'Static'; AccessKey = ''; SecretKey = ''; SessionToken = (& $get 'SessionToken' '')
        Profile = ''; Region = (& $get 'Region' ''); RegistryId = @(& $get 'RegistryId' @())
        Registry = @(& $get 'Registry' @()); Public = [bool](& $get 'Public' $false)
        EndpointUrl = (& $get 'EndpointUrl' ''); CaBundle = (& $get 'CaBundle' '')
        TimeoutSec = (& $get 'TimeoutSec' 30); Client = (& $get 'Client' 'docker')
    }
    switch ($ParameterSet) {
        'Credential' {
            $spec.AccessKey = $Bound.Credential.UserName
            $spec.SecretKey = $Bound.Credential.GetNetworkCredential().Password
        }
        'Profile' { $spec.Source = 'Profile'; $spec.Profile = $Bound.ProfileName }
        'Default' { $spec.Source = 'Default' }
        default { $spec.AccessKey = $Bound.AccessKey; $spec.SecretKey = $Bound.SecretKey }
    }
    # Keys keep their documented default region; profiles and the default chain resolve theirs.
    if (-not $spec.Region -and $spec.Source -eq 'Static') { $spec.Region = $DefaultRegion }
    if ($spec.CaBundle) { $spec.CaBundle = (Resolve-Path -LiteralPath $spec.CaBundle -ErrorAction Stop).ProviderPath }
    $spec
}

function script:Import-EcrFormat {
    # The table views load on first output rather than at import (FormatsToProcess costs ~30 ms
    # at every Import-Module, measured here); once per session.
    if (Get-FormatData -TypeName 'EcrAuth.Login' -ErrorAction SilentlyContinue) { return }
    Update-FormatData -PrependPath (Join-Path (Split-Path -Parent $PSScriptRoot) 'EcrAuth.Format.ps1xml')
}

function script:Get-EcrRegionCompletion {
    # Tab completion for -Region (known regions; any well-formed name is still accepted).
    param([string] $WordToComplete)
    $regions = 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-1',
    'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
    'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1',
    'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1',
    'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-gov-east-1', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1'
    foreach ($region in $regions) {
        if ($region -like "$WordToComplete*") {
            New-Object System.Management.Automation.CompletionResult($region, $region, 'ParameterValue', $region)
        }
    }
}
