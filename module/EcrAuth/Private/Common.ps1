# Shared by the public commands and the other Private/ files: the request "spec", error records,
# platform facts, completion data. On the way to a repeat login: no cmdlet that autoloads a
# module (New-Object, Join-Path, Test-Path, Resolve-Path, ConvertFrom-Json, Write-Host, ...).
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, ||, ?., nor .NET Core-only APIs unguarded.

# Native status codes (include/ecr_auth.h) -> error id, category and exception type.
$script:EcrStatus = @{
    1  = @('InvalidArgument', 'InvalidArgument', [System.ArgumentException])
    2  = @('NullPointer', 'InvalidOperation', [System.InvalidOperationException])   # EcrAuth's own bug, not the caller's
    3  = @('InvalidUtf8', 'InvalidArgument', [System.ArgumentException])
    4  = @('AuthFailed', 'AuthenticationError', [System.Security.Authentication.AuthenticationException])
    5  = @('Network', 'ConnectionError', [System.Net.WebException])
    6  = @('Timeout', 'OperationTimeout', [System.TimeoutException])
    7  = @('ServiceError', 'ResourceUnavailable', [System.InvalidOperationException])
    8  = @('MalformedResponse', 'InvalidData', [System.IO.InvalidDataException])
    9  = @('Internal', 'NotSpecified', [System.InvalidOperationException])
    10 = @('Panic', 'NotSpecified', [System.InvalidOperationException])
    11 = @('NoCredentials', 'AuthenticationError', [System.Security.Authentication.AuthenticationException])
}

# Known regions, for tab completion (any well-formed name is still accepted).
$script:EcrRegions = 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-1',
'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1',
'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1',
'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-gov-east-1', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1'

function script:New-EcrErrorRecord {
    param([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category,
        [type] $ExceptionType = [System.InvalidOperationException], [object] $Target)
    [System.Management.Automation.ErrorRecord]::new($ExceptionType::new($Message), "EcrAuth.$ErrorId", $Category, $Target)
}

function script:New-EcrFailureRecord {
    # A failure from Invoke-EcrFetch (Target, Status, Message) as an ErrorRecord. An account or
    # role without ecr:GetAuthorizationToken is PermissionDenied, not a refused key.
    param([object] $Failure)
    $kind = $script:EcrStatus[[int]$Failure.Status]
    if (-not $kind) { $kind = @("Status$($Failure.Status)", 'NotSpecified', [System.InvalidOperationException]) }
    if ($Failure.PSObject.Properties['Kind'] -and $Failure.Kind) { $kind = $Failure.Kind }
    elseif ($Failure.Status -eq 4 -and $Failure.Message -match '\bAccessDenied(Exception)?\b') {
        $kind = @('AccessDenied', 'PermissionDenied', [System.UnauthorizedAccessException])
    }
    New-EcrErrorRecord -Message $Failure.Message -ErrorId $kind[0] -Category $kind[1] -ExceptionType $kind[2] -Target $Failure.Target
}

function script:Test-EcrUsageFailure {
    # Malformed input (bad key, region, endpoint, registry id or host): the caller's to fix, so a
    # terminating error; everything else (network, auth, timeout, service) is per registry.
    param([object] $Failure)
    $Failure.Status -ge 1 -and $Failure.Status -le 3
}

function script:New-EcrClientNotFoundRecord {
    param([string] $Name, [string] $Registry)
    $for = ''
    if ($Registry) { $for = " (to log out from $Registry)" }
    New-EcrErrorRecord -Message ("'$Name' was not found on PATH$for. Install it or add its folder to PATH, " +
        'then run the command again (or choose another client with -Client).') -ErrorId 'ClientNotFound' `
        -Category ObjectNotFound -ExceptionType ([System.Management.Automation.CommandNotFoundException]) -Target $Name
}

function script:Get-EcrAwsFile {
    # The shared AWS files the SDK reads: AWS_CONFIG_FILE (else ~/.aws/config) and
    # AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials).
    $awsHome = [System.IO.Path]::Combine((Get-EcrHome), '.aws')
    $config = if ($env:AWS_CONFIG_FILE) { $env:AWS_CONFIG_FILE } else { [System.IO.Path]::Combine($awsHome, 'config') }
    $credentials = if ($env:AWS_SHARED_CREDENTIALS_FILE) { $env:AWS_SHARED_CREDENTIALS_FILE } else { [System.IO.Path]::Combine($awsHome, 'credentials') }
    [pscustomobject]@{ Config = $config; Credentials = $credentials }
}

function script:Get-EcrRuntimeId {
    # The process's architecture (not the OS's: x64 pwsh under Rosetta or Windows-on-ARM emulation
    # needs the x64 library). RuntimeInformation exists on .NET Framework 4.7.1+ and every .NET Core.
    param([string] $Platform = $script:EcrPlatform)
    $arch = $null
    $type = 'System.Runtime.InteropServices.RuntimeInformation' -as [type]
    if ($type) { $arch = $type::ProcessArchitecture.ToString().ToLowerInvariant() }
    if (-not $arch) {
        $arch = switch ($env:PROCESSOR_ARCHITECTURE) { 'ARM64' { 'arm64' } 'x86' { 'x86' } default { 'x64' } }
    }
    $os = switch ($Platform) { 'Windows' { 'win' } 'MacOS' { 'osx' } default { 'linux' } }
    "$os-$arch"
}

function script:Get-EcrNativeLibraryName {
    param([string] $RuntimeId = (Get-EcrRuntimeId))
    switch -Wildcard ($RuntimeId) { 'win-*' { 'ecr_auth.dll' } 'osx-*' { 'libecr_auth.dylib' } default { 'libecr_auth.so' } }
}

function script:ConvertTo-EcrSpec {
    # One description of what the caller asked for, from a public command's bound parameters:
    # the request Invoke-EcrFetch sends and the key of the repeat check. Holds the secret key in
    # plain text (the native call needs it); it lives only for the command's duration.
    param([System.Collections.IDictionary] $Bound, [string] $ParameterSet)
    $spec = @{
        Source = 'Static'; AccessKey = ''; SecretKey = ''; SessionToken = ''; Profile = ''; Region = ''
        RegistryId = @(); Registry = @(); Public = $false; EndpointUrl = ''; CaBundle = ''; TimeoutSec = 30; Client = 'docker'
    }
    foreach ($name in 'Region', 'EndpointUrl', 'CaBundle', 'TimeoutSec', 'Client') {
        if ($Bound.ContainsKey($name) -and $null -ne $Bound[$name]) { $spec[$name] = $Bound[$name] }
    }
    if ($Bound.ContainsKey('SessionToken') -and $Bound['SessionToken']) { $spec.SessionToken = ConvertFrom-EcrSecureString $Bound['SessionToken'] }
    if ($Bound.ContainsKey('RegistryId')) { $spec.RegistryId = @($Bound['RegistryId']) }
    if ($Bound.ContainsKey('Public')) { $spec.Public = [bool]$Bound['Public'] }
    if ($Bound.ContainsKey('Registry')) {
        # public.ecr.aws (e.g. piped from Get-EcrConnection) is ECR Public, not a host to parse.
        foreach ($name in @($Bound['Registry'])) {
            if ($name -eq 'public.ecr.aws') { $spec.Public = $true } else { $spec.Registry += $name }
        }
    }
    switch ($ParameterSet) {
        'Credential' {
            $spec.AccessKey = $Bound['Credential'].UserName
            $spec.SecretKey = ConvertFrom-EcrSecureString $Bound['Credential'].Password
        }
        'Profile' { $spec.Source = 'Profile'; $spec.Profile = $Bound['ProfileName'] }
        'Default' { $spec.Source = 'Default' }
        default {
            $spec.AccessKey = $Bound['AccessKey']
            $spec.SecretKey = ConvertFrom-EcrSecureString $Bound['SecretKey']
        }
    }
    # Keys keep their documented default region; profiles and the default chain resolve theirs.
    if (-not $spec.Region -and $spec.Source -eq 'Static') { $spec.Region = 'us-east-1' }
    if ($spec.CaBundle) {
        $path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($spec.CaBundle)
        if (-not [System.IO.File]::Exists($path)) {
            throw (New-EcrErrorRecord -Message "The CA bundle '$path' does not exist." -ErrorId 'CaBundleNotFound' `
                    -Category ObjectNotFound -ExceptionType ([System.IO.FileNotFoundException]) -Target $path)
        }
        $spec.CaBundle = $path
    }
    $spec
}

function script:ConvertFrom-EcrSecureString {
    # The plain text of a SecureString, all of it: through a BSTR, whose length prefix keeps a NUL
    # character (NetworkCredential.Password would stop there, hiding it from the NUL check).
    param([System.Security.SecureString] $Secure)
    $bstr = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secure)
    try { [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr) }
    finally { [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
}

function script:Get-EcrSourceText {
    param([hashtable] $Spec)
    switch ($Spec.Source) { 'Profile' { "profile $($Spec.Profile)" } 'Default' { 'the default credential chain' } default { "key $($Spec.AccessKey)" } }
}

function script:Get-EcrEndpointText {
    # An endpoint URL for messages: never its user:password@ part.
    param([string] $Url)
    if (-not $Url) { return 'the regional default' }
    Get-EcrRedactedUrl $Url
}

function script:Get-EcrInformationTag {
    # Tags of the client's own output on the information stream. With PSHOST it is shown by
    # default, like Write-Host; without it (-InformationAction SilentlyContinue/Ignore) the
    # preference decides, so the caller can silence it.
    param([string] $Client, [bool] $Quiet)
    if ($Quiet) { [string[]]@('EcrAuth', 'ClientOutput', $Client) } else { [string[]]@('EcrAuth', 'ClientOutput', $Client, 'PSHOST') }
}

function script:ConvertTo-EcrLoginObject {
    # A login from Invoke-EcrFetch as the public EcrAuth.Login object (no password).
    param([object] $Login, [string] $Client)
    [pscustomobject]@{
        PSTypeName = 'EcrAuth.Login'; Registry = $Login.Registry; Username = $Login.Username
        ExpiresAt = $Login.ExpiresAt; ProxyEndpoint = $Login.ProxyEndpoint; Client = $Client
    }
}

function script:Get-EcrAwsProfileName {
    # Profile names in the shared AWS files, for tab completion of -ProfileName and to tell an
    # unknown profile from one whose credentials fail.
    $files = Get-EcrAwsFile
    foreach ($file in @(@{ Path = $files.Config; Config = $true }, @{ Path = $files.Credentials; Config = $false })) {
        if (-not [System.IO.File]::Exists($file.Path)) { continue }
        foreach ($line in [System.IO.File]::ReadAllLines($file.Path)) {
            $line = $line.Trim()
            if (-not $line.StartsWith('[') -or -not $line.EndsWith(']')) { continue }
            $name = $line.Substring(1, $line.Length - 2).Trim()
            if ($file.Config) {
                # config: [default] and [profile NAME]; [sso-session ...] and [services ...] are not profiles.
                if ($name -match '^profile\s+(\S+)$') { $Matches[1] } elseif ($name -eq 'default') { $name }
            }
            elseif ($name -notmatch '\s') { $name }
        }
    }
}
