# The native library (libecr_auth), bound on first use. Every native call is in EcrAuth.dll
# (module/EcrAuth.Commands/Native/NativeMethods.cs), behind one function here: Invoke-EcrFetch
# takes the request "spec" (a hashtable, see ConvertTo-EcrSpec), packs it for one ecr_auth_fetch
# call, and returns the logins (with their passwords, as bytes the caller clears) and the
# per-registry failures (Target, Status, Message), the native result already freed.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

# ecr_auth_option values (include/ecr_auth.h).
$script:EcrOption = @{
    AccessKeyId = 1; SecretAccessKey = 2; SessionToken = 3; Region = 4; EndpointUrl = 5; RegistryId = 6
    Registry = 7; Profile = 8; DefaultCredentials = 9; Public = 10; CaBundle = 11; ReuseTokens = 12; TimeoutMs = 13
    Environment = 14
}

# The variables the library reads: AWS settings, the home folder (shared AWS files), proxies.
$script:EcrEnvironmentNames = '^(AWS_.*|HOME|USERPROFILE|HOMEDRIVE|HOMEPATH|(HTTPS?|NO|ALL)_PROXY)$'

function script:Get-EcrNativeLibraryPath {
    # The library for this process's platform (<os>-<architecture>), or a terminating error that
    # names what this copy has and how to get the missing one.
    param([string] $RuntimeId = (Get-EcrRuntimeId))
    $moduleBase = [System.IO.Path]::GetDirectoryName($PSScriptRoot)
    $path = [System.IO.Path]::Combine($moduleBase, $RuntimeId, (Get-EcrNativeLibraryName $RuntimeId))
    if ([System.IO.File]::Exists($path)) { return $path }
    $present = @(foreach ($dir in [System.IO.Directory]::GetDirectories($moduleBase)) {
            $name = [System.IO.Path]::GetFileName($dir)
            if ($name -match '^(win|linux|osx)-' -and [System.IO.File]::Exists([System.IO.Path]::Combine($dir, (Get-EcrNativeLibraryName $name)))) { $name }
        })
    $has = 'none'
    if ($present.Count) { $has = $present -join ', ' }
    $how = 'Build it from the source on this machine (Rust from rustup, then: pwsh ./build.ps1 Build), which stages it there.'
    if ($RuntimeId -eq 'win-x86') { $how = 'Run the 64-bit PowerShell instead (32-bit PowerShell is not supported).' }
    elseif ($RuntimeId -eq 'win-arm64') { $how = 'Run an x64 PowerShell (it runs under emulation and uses win-x64), or ' + $how.Substring(0, 1).ToLowerInvariant() + $how.Substring(1) }
    throw (New-EcrErrorRecord -Message ("EcrAuth has no native library for this platform, $RuntimeId (expected '$path'); " +
            "this copy has libraries for: $has. $how") -ErrorId 'NativeLibraryMissing' `
            -Category NotInstalled -ExceptionType ([System.IO.FileNotFoundException]) -Target $path)
}

function script:Initialize-EcrNative {
    # Binds EcrAuth.dll's P/Invoke (module/EcrAuth.Commands/Native) to this platform's library,
    # once per process: no compiler, no Reflection.Emit, nothing bound at import.
    if ($script:EcrNativeBound) { return }
    [EcrAuth.Native.NativeFetch]::Bind((Get-EcrNativeLibraryPath))
    $script:EcrNativeBound = $true
}
$script:EcrNativeBound = $false

function script:Get-EcrNativeOption {
    # The request as (option, value, name) triples, from the spec. Names are for messages
    # (never the value: it may be a secret).
    param([hashtable] $Spec, [bool] $ReuseTokens)
    switch ($Spec.Source) {
        'Profile' { , @('Profile', $Spec.Profile, 'profile name') }
        'Default' { , @('DefaultCredentials', '1', 'credential source') }
        default {
            , @('AccessKeyId', $Spec.AccessKey, 'access key')
            , @('SecretAccessKey', $Spec.SecretKey, 'secret key')
            if ($Spec.SessionToken) { , @('SessionToken', $Spec.SessionToken, 'session token') }
        }
    }
    if ($Spec.Region) { , @('Region', $Spec.Region, 'region') }
    if ($Spec.EndpointUrl) { , @('EndpointUrl', $Spec.EndpointUrl, 'endpoint URL') }
    if ($Spec.CaBundle) { , @('CaBundle', $Spec.CaBundle, 'CA bundle') }
    foreach ($id in $Spec.RegistryId) { , @('RegistryId', $id, 'registry id') }
    foreach ($hostName in $Spec.Registry) { , @('Registry', $hostName, 'registry') }
    if ($Spec.Public) { , @('Public', '1', 'ECR Public switch') }
    if ($ReuseTokens) { , @('ReuseTokens', '1', 'token reuse switch') }
    , @('TimeoutMs', [string]($Spec.TimeoutSec * 1000), 'timeout')
    # .NET on Linux and macOS keeps `$env:` changes from native code: hand the library
    # PowerShell's own view of the environment.
    foreach ($entry in [Environment]::GetEnvironmentVariables().GetEnumerator()) {
        if ($entry.Key -match $script:EcrEnvironmentNames) { , @('Environment', "$($entry.Key)=$($entry.Value)", 'environment variable') }
    }
}

function script:Get-EcrPackedRequest {
    # The request as one buffer for ecr_auth_fetch: "<option>=<value>" entries, each ending in a
    # NUL byte, UTF-8. Returns @{ Bytes; Failure }: a value holding a NUL is a usage failure
    # (it would be cut short), except an environment variable, which is left out. The caller
    # clears Bytes: it holds the secrets.
    param([hashtable] $Spec, [bool] $ReuseTokens)
    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $entries = [System.Collections.Generic.List[object]]::new()
    $size = 0
    foreach ($option in Get-EcrNativeOption $Spec $ReuseTokens) {
        if ($option[1].IndexOf([char]0) -ge 0) {
            if ($option[0] -eq 'Environment') { continue }
            return @{ Bytes = $null; Failure = [pscustomobject]@{ Target = $option[2]; Status = 1; Message = "The $($option[2]) contains a NUL character." } }
        }
        $prefix = "$($script:EcrOption[$option[0]])="
        $entries.Add(@($prefix, $option[1]))
        $size += $prefix.Length + $utf8.GetByteCount($option[1]) + 1
    }
    $bytes = [byte[]]::new($size)
    $at = 0
    foreach ($entry in $entries) {
        $at += $utf8.GetBytes($entry[0], 0, $entry[0].Length, $bytes, $at)
        $at += $utf8.GetBytes($entry[1], 0, $entry[1].Length, $bytes, $at)
        $at++   # the NUL after each entry (the array starts zeroed)
    }
    @{ Bytes = $bytes; Failure = $null }
}

function script:Invoke-EcrFetch {
    # Fetches the logins $Spec asks for with one native call. Returns @{ Logins; Failures }: each
    # login has Registry, Username, ExpiresAt (UTC), ProxyEndpoint and Password (UTF-8 bytes: clear
    # them when done, or call Clear-EcrFetch); each failure Target, Status and Message. A registry
    # that fails leaves the others' logins. Throws only when the library itself is missing.
    param([hashtable] $Spec, [switch] $ReuseTokens)
    Initialize-EcrNative
    $logins = [System.Collections.Generic.List[object]]::new()
    $failures = [System.Collections.Generic.List[object]]::new()
    $result = [pscustomobject]@{ Logins = $logins; Failures = $failures }
    # (A malformed name is the library's usage error, as before: same rule as validate_profile.)
    if ($Spec.Source -eq 'Profile' -and $Spec.Profile -notmatch '[\s\[\]\p{Cc}]' -and $Spec.Profile.Length -le 128 -and
        @(Get-EcrAwsProfileName) -notcontains $Spec.Profile) {
        # The SDK would fall back to the default chain's "no credentials": name what is missing.
        $files = Get-EcrAwsFile
        $failures.Add([pscustomobject]@{
                Target = $Spec.Profile; Status = 11; Kind = @('ProfileNotFound', 'ObjectNotFound', [System.Management.Automation.ItemNotFoundException])
                Message = "The AWS profile '$($Spec.Profile)' was not found in $($files.Config) or $($files.Credentials) (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)."
            })
        return $result
    }
    $packed = Get-EcrPackedRequest $Spec $ReuseTokens.IsPresent
    if ($packed.Failure) { $failures.Add($packed.Failure); return $result }
    # One .NET call: the native result is read (each password copied once) and freed inside.
    try { $fetched = [EcrAuth.Native.NativeFetch]::Fetch($packed.Bytes) }
    finally { [Array]::Clear($packed.Bytes, 0, $packed.Bytes.Length) }   # it held the secrets
    if (-not $fetched.Tried) {
        # Nothing was tried (bad input, no credentials, ...): one failure for the request.
        if ($fetched.Status -ne 0) {
            $target = $Spec.Region
            if ($Spec.Registry) { $target = $Spec.Registry -join ', ' } elseif ($Spec.Public) { $target = 'public.ecr.aws' }
            $failure = [pscustomobject]@{ Target = $target; Status = $fetched.Status; Message = "Could not get an ECR authorization token: $($fetched.Message)"; Kind = $null }
            if ($Spec.Source -eq 'Profile' -and $fetched.Message -match 'UnauthorizedException|Session token not found or invalid|SSO session .*expired') {
                # IAM Identity Center refused the cached session (expired or signed out): say what the AWS CLI says.
                $failure.Message = "The SSO session of profile $($Spec.Profile) has expired or was signed out: run aws sso login --profile $($Spec.Profile), then try again."
                $failure.Kind = @('SsoSessionExpired', 'AuthenticationError', [System.Security.Authentication.AuthenticationException])
            }
            $failures.Add($failure)
        }
        return $result
    }
    foreach ($login in $fetched.Logins) { $logins.Add($login) }
    $count = $fetched.Failures.Length
    foreach ($failure in $fetched.Failures) {
        $target = $failure.Target
        if (-not $target) { $target = $Spec.Region }   # the credentials' own registry
        $failures.Add([pscustomobject]@{
                Target  = $target
                Status  = $failure.Status
                Message = 'Could not get an ECR authorization token' + $(if ($count -gt 1 -or $logins.Count) { " for $target" } else { '' }) + ': ' + $failure.Message
                Kind    = $null
            })
    }
    $result
}

function script:Clear-EcrFetch {
    # Clears every password of a fetch result (for paths that stop before using them).
    param([object] $Fetch)
    foreach ($login in $Fetch.Logins) { [Array]::Clear($login.Password, 0, $login.Password.Length) }
}
