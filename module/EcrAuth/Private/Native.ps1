# The native library (libecr_auth), bound with P/Invoke on first use. Every native call is in
# this file, behind one function: Invoke-EcrFetch takes the request "spec" (a hashtable, see
# ConvertTo-EcrSpec), packs it into one ecr_auth_fetch call, and returns the logins (with their
# passwords, as bytes the caller clears) and the per-registry failures (Target, Status,
# Message), the native result already freed.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

# The P/Invoke type, built on first use (Get-EcrNative).
$script:EcrNative = $null

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

# P/Invoke declared with Reflection.Emit: no C# compiler at import or first use (~50 ms once).
function script:Get-EcrNative {
    if ($script:EcrNative) { return $script:EcrNative }
    $library = Get-EcrNativeLibraryPath
    $name = [System.Reflection.AssemblyName]::new('EcrAuth.Native')
    $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($name, 'Run')
    $type = $assembly.DefineDynamicModule('EcrAuth.Native').DefineType('EcrAuth.Native', 'Public, Sealed, Abstract, Class')
    $bytes = [byte[]]
    $signatures = [ordered]@{
        ecr_auth_fetch                  = @([int], @($bytes, [UIntPtr], [IntPtr].MakeByRefType(), $bytes, [UIntPtr]))
        ecr_auth_result_count           = @([UIntPtr], @([IntPtr]))
        ecr_auth_result_registry        = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_proxy_endpoint  = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_username        = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_password        = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_expires_at      = @([long], @([IntPtr], [UIntPtr]))
        ecr_auth_result_failure_count   = @([UIntPtr], @([IntPtr]))
        ecr_auth_result_failure_target  = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_failure_status  = @([int], @([IntPtr], [UIntPtr]))
        ecr_auth_result_failure_message = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_free            = @([void], @([IntPtr]))
        ecr_auth_forget_tokens          = @([void], [type[]]@())
    }
    foreach ($entry in $signatures.GetEnumerator()) {
        $method = $type.DefinePInvokeMethod($entry.Key, $library, 'Public, Static, PinvokeImpl',
            'Standard', $entry.Value[0], [type[]]$entry.Value[1], 'Cdecl', 'Ansi')
        $method.SetImplementationFlags('PreserveSig')
        $types = [type[]]$entry.Value[1]
        if ($types.Count -ge 2 -and $types[-2] -eq $bytes) {
            # The error buffer (before its length) is written by the callee.
            $null = $method.DefineParameter($types.Count - 1, 'In, Out', 'error_buf')
        }
    }
    $script:EcrNative = $type.CreateType()
    $script:EcrNative
}

function script:Read-EcrNativeByteArray {
    # A NUL-terminated UTF-8 string from native memory, as bytes (PS 5.1 has no PtrToStringUTF8).
    param([IntPtr] $Pointer)
    if ($Pointer -eq [IntPtr]::Zero) { return , ([byte[]]::new(0)) }
    $length = 0
    while ([System.Runtime.InteropServices.Marshal]::ReadByte($Pointer, $length) -ne 0) { $length++ }
    $bytes = [byte[]]::new($length)
    [System.Runtime.InteropServices.Marshal]::Copy($Pointer, $bytes, 0, $length)
    , $bytes
}

# .NET Core reads a native UTF-8 string in one call; Windows PowerShell 5.1 goes byte by byte.
$script:EcrReadsUtf8 = $null -ne [System.Runtime.InteropServices.Marshal].GetMethod('PtrToStringUTF8', [type[]]@([IntPtr]))

function script:Read-EcrNativeString {
    # Not for passwords (a string cannot be wiped): Read-EcrNativeByteArray.
    param([IntPtr] $Pointer)
    if ($Pointer -eq [IntPtr]::Zero) { return '' }
    if ($script:EcrReadsUtf8) { return [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($Pointer) }
    [System.Text.Encoding]::UTF8.GetString((Read-EcrNativeByteArray $Pointer))
}

function script:New-EcrNativeFailure {
    # A failure as Invoke-EcrFetch returns it: Target (what failed: a registry, a region, an
    # option), Status (ecr_auth_status), Message (never a secret).
    param([int] $Status, [byte[]] $ErrorBuffer, [string] $Context, [object] $Target)
    $message = ''
    if ($ErrorBuffer) {
        $end = [Array]::IndexOf($ErrorBuffer, [byte]0)
        if ($end -lt 0) { $end = $ErrorBuffer.Length }
        $message = [System.Text.Encoding]::UTF8.GetString($ErrorBuffer, 0, $end)
    }
    if ($Context) { $message = "$Context`: $message" }
    [pscustomobject]@{ Target = $Target; Status = $Status; Message = $message }
}

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
    $native = Get-EcrNative
    $logins = [System.Collections.Generic.List[object]]::new()
    $failures = [System.Collections.Generic.List[object]]::new()
    $result = [pscustomobject]@{ Logins = $logins; Failures = $failures }
    $packed = Get-EcrPackedRequest $Spec $ReuseTokens.IsPresent
    if ($packed.Failure) { $failures.Add($packed.Failure); return $result }
    $errorBuffer = [byte[]]::new(1024)
    $handle = [IntPtr]::Zero
    try {
        $status = $native::ecr_auth_fetch($packed.Bytes, [UIntPtr]::new($packed.Bytes.Length), [ref]$handle,
            $errorBuffer, [UIntPtr]::new($errorBuffer.Length))
    }
    finally { [Array]::Clear($packed.Bytes, 0, $packed.Bytes.Length) }   # it held the secrets
    try {
        if ($handle -eq [IntPtr]::Zero) {
            # Nothing was tried (bad input, no credentials, ...): one failure for the request.
            if ($status -ne 0) {
                $target = $Spec.Region
                if ($Spec.Registry) { $target = $Spec.Registry -join ', ' } elseif ($Spec.Public) { $target = 'public.ecr.aws' }
                $failures.Add((New-EcrNativeFailure $status $errorBuffer 'Could not get an ECR authorization token' $target))
            }
            return $result
        }
        $count = [int]$native::ecr_auth_result_count($handle).ToUInt64()
        for ($i = 0; $i -lt $count; $i++) {
            $index = [UIntPtr]::new([uint64]$i)
            $logins.Add([pscustomobject]@{
                    Registry      = Read-EcrNativeString $native::ecr_auth_result_registry($handle, $index)
                    Username      = Read-EcrNativeString $native::ecr_auth_result_username($handle, $index)
                    ExpiresAt     = [DateTimeOffset]::FromUnixTimeSeconds($native::ecr_auth_result_expires_at($handle, $index)).UtcDateTime
                    ProxyEndpoint = Read-EcrNativeString $native::ecr_auth_result_proxy_endpoint($handle, $index)
                    Password      = Read-EcrNativeByteArray $native::ecr_auth_result_password($handle, $index)
                })
        }
        $count = [int]$native::ecr_auth_result_failure_count($handle).ToUInt64()
        for ($i = 0; $i -lt $count; $i++) {
            $index = [UIntPtr]::new([uint64]$i)
            $target = Read-EcrNativeString $native::ecr_auth_result_failure_target($handle, $index)
            if (-not $target) { $target = $Spec.Region }   # the credentials' own registry
            $failures.Add([pscustomobject]@{
                    Target  = $target
                    Status  = $native::ecr_auth_result_failure_status($handle, $index)
                    Message = 'Could not get an ECR authorization token' + $(if ($count -gt 1 -or $logins.Count) { " for $target" } else { '' }) +
                        ': ' + (Read-EcrNativeString $native::ecr_auth_result_failure_message($handle, $index))
                })
        }
        $result
    }
    finally {
        if ($handle -ne [IntPtr]::Zero) { $native::ecr_auth_result_free($handle) }   # wipes the native passwords
    }
}

function script:Clear-EcrFetch {
    # Clears every password of a fetch result (for paths that stop before using them).
    param([object] $Fetch)
    foreach ($login in $Fetch.Logins) { [Array]::Clear($login.Password, 0, $login.Password.Length) }
}
