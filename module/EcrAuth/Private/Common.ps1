# Shared by the other Private/ files: error records and platform facts.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

function New-EcrErrorRecord {
    param([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category,
        [type] $ExceptionType = [System.InvalidOperationException], [object] $Target)
    $exception = New-Object $ExceptionType.FullName -ArgumentList $Message
    New-Object System.Management.Automation.ErrorRecord($exception, "EcrAuth.$ErrorId", $Category, $Target)
}

function Test-EcrWindows {
    # $IsWindows does not exist on Windows PowerShell 5.1 (which only runs on Windows).
    ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows
}

function Get-EcrRuntimeId {
    # RuntimeInformation exists on .NET Framework 4.7.1+ and every .NET Core; fall back to env vars.
    $arch = $null
    try { $arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant() } catch { }
    if (-not $arch) {
        $arch = if ($env:PROCESSOR_ARCHITECTURE -eq 'ARM64') { 'arm64' } else { 'x64' }
    }
    $os = if (Test-EcrWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$arch"
}

function Get-EcrNativeLibraryName {
    param([string] $RuntimeId = (Get-EcrRuntimeId))
    switch -Wildcard ($RuntimeId) { 'win-*' { 'ecr_auth.dll' } 'osx-*' { 'libecr_auth.dylib' } default { 'libecr_auth.so' } }
}

function ConvertTo-EcrSpec {
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
