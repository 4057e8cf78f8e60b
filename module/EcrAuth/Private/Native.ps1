# The native library (libecr_auth), bound with P/Invoke on first use.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

# The P/Invoke type, built on first use (Get-EcrNative).
$script:EcrNative = $null

# Native status codes (include/ecr_auth.h) -> error id, category and exception type.
$script:EcrStatus = @{
    1  = @('InvalidArgument', 'InvalidArgument', [System.ArgumentException])
    2  = @('NullPointer', 'InvalidArgument', [System.ArgumentException])
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

# ecr_auth_option values (include/ecr_auth.h).
$script:EcrOption = @{
    AccessKeyId = 1; SecretAccessKey = 2; SessionToken = 3; Region = 4; EndpointUrl = 5; RegistryId = 6
    Registry = 7; Profile = 8; DefaultCredentials = 9; Public = 10; CaBundle = 11; ReuseTokens = 12; TimeoutMs = 13
    Environment = 14
}

# The variables the library reads: AWS settings, the home folder (shared AWS files), proxies.
$script:EcrEnvironmentNames = '^(AWS_.*|HOME|USERPROFILE|HOMEDRIVE|HOMEPATH|(HTTPS?|NO|ALL)_PROXY)$'

function script:Get-EcrNativeLibraryPath {
    $rid = Get-EcrRuntimeId
    $moduleRoot = Split-Path -Parent $PSScriptRoot
    $path = Join-Path (Join-Path $moduleRoot $rid) (Get-EcrNativeLibraryName $rid)
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        throw (New-EcrErrorRecord -Message ("EcrAuth's native library for $rid was not found at '$path'. " +
                'Build and stage it with: pwsh ./build.ps1 Build') -ErrorId 'NativeLibraryMissing' `
                -Category ObjectNotFound -ExceptionType ([System.IO.FileNotFoundException]) -Target $path)
    }
    $path
}

# P/Invoke declared with Reflection.Emit: no C# compiler at import or first use (~50 ms once).
function script:Get-EcrNative {
    if ($script:EcrNative) { return $script:EcrNative }
    $library = Get-EcrNativeLibraryPath
    $name = New-Object System.Reflection.AssemblyName('EcrAuth.Native')
    $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($name, 'Run')
    $type = $assembly.DefineDynamicModule('EcrAuth.Native').DefineType('EcrAuth.Native', 'Public, Sealed, Abstract, Class')
    $bytes = [byte[]]
    $signatures = [ordered]@{
        ecr_auth_request_new           = @([IntPtr], [type[]]@())
        ecr_auth_request_set           = @([int], @([IntPtr], [uint32], $bytes, $bytes, [UIntPtr]))
        ecr_auth_request_fetch         = @([int], @([IntPtr], [IntPtr].MakeByRefType(), $bytes, [UIntPtr]))
        ecr_auth_request_free          = @([void], @([IntPtr]))
        ecr_auth_result_count          = @([UIntPtr], @([IntPtr]))
        ecr_auth_result_registry       = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_proxy_endpoint = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_username       = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_password       = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_expires_at     = @([long], @([IntPtr], [UIntPtr]))
        ecr_auth_result_free           = @([void], @([IntPtr]))
    }
    foreach ($entry in $signatures.GetEnumerator()) {
        $method = $type.DefinePInvokeMethod($entry.Key, $library, 'Public, Static, PinvokeImpl',
            'Standard', $entry.Value[0], [type[]]$entry.Value[1], 'Cdecl', 'Ansi')
        $method.SetImplementationFlags('PreserveSig')
        $types = [type[]]$entry.Value[1]
        if ($types.Count -and $types[-1] -eq [UIntPtr]) {
            # The error buffer before the length is written by the callee.
            $null = $method.DefineParameter($types.Count - 1, 'In, Out', 'error_buf')
        }
    }
    $script:EcrNative = $type.CreateType()
    $script:EcrNative
}

function script:ConvertTo-EcrNativeString {
    param([string] $Value, [string] $Name)
    if ($Value.IndexOf([char]0) -ge 0) {
        throw (New-EcrErrorRecord -Message "The $Name contains a NUL character." -ErrorId 'InvalidArgument' `
                -Category InvalidArgument -ExceptionType ([System.ArgumentException]))
    }
    $count = [System.Text.Encoding]::UTF8.GetByteCount($Value)
    $bytes = New-Object byte[] ($count + 1)
    $null = [System.Text.Encoding]::UTF8.GetBytes($Value, 0, $Value.Length, $bytes, 0)
    , $bytes
}

function script:Read-EcrNativeBytes {
    # A NUL-terminated UTF-8 string from native memory, as bytes (PS 5.1 has no PtrToStringUTF8).
    param([IntPtr] $Pointer)
    if ($Pointer -eq [IntPtr]::Zero) { return , (New-Object byte[] 0) }
    $length = 0
    while ([System.Runtime.InteropServices.Marshal]::ReadByte($Pointer, $length) -ne 0) { $length++ }
    $bytes = New-Object byte[] $length
    [System.Runtime.InteropServices.Marshal]::Copy($Pointer, $bytes, 0, $length)
    , $bytes
}

function script:Read-EcrNativeString {
    param([IntPtr] $Pointer)
    [System.Text.Encoding]::UTF8.GetString((Read-EcrNativeBytes $Pointer))
}

function script:Assert-EcrStatus {
    param([int] $Status, [byte[]] $ErrorBuffer, [string] $Context, [object] $Target)
    if ($Status -eq 0) { return }
    $end = [Array]::IndexOf($ErrorBuffer, [byte]0)
    if ($end -lt 0) { $end = $ErrorBuffer.Length }
    $message = [System.Text.Encoding]::UTF8.GetString($ErrorBuffer, 0, $end)
    $kind = $script:EcrStatus[$Status]
    if (-not $kind) { $kind = @("Status$Status", 'NotSpecified', [System.InvalidOperationException]) }
    throw (New-EcrErrorRecord -Message "$Context`: $message" -ErrorId $kind[0] -Category $kind[1] `
            -ExceptionType $kind[2] -Target $Target)
}

function script:Invoke-EcrFetch {
    # Builds a native request from $Spec (ConvertTo-EcrSpec) and fetches it. Returns the native
    # result handle; the caller frees it with ecr_auth_result_free.
    param([hashtable] $Spec, [switch] $ReuseTokens)
    $native = Get-EcrNative
    $errorBuffer = New-Object byte[] 1024
    $length = [UIntPtr]::new($errorBuffer.Length)
    $request = $native::ecr_auth_request_new()
    if ($request -eq [IntPtr]::Zero) { Assert-EcrStatus 10 $errorBuffer 'Could not create a request' $null }
    try {
        $set = {
            param($option, $value, $name)
            $bytes = ConvertTo-EcrNativeString $value $name
            try { $status = $native::ecr_auth_request_set($request, $script:EcrOption[$option], $bytes, $errorBuffer, $length) }
            finally { [Array]::Clear($bytes, 0, $bytes.Length) }  # some values are secrets
            Assert-EcrStatus $status $errorBuffer "Invalid $name" $name  # never the value: it may be a secret
        }
        switch ($Spec.Source) {
            'Profile' { & $set 'Profile' $Spec.Profile 'profile name' }
            'Default' { & $set 'DefaultCredentials' '1' 'credential source' }
            default {
                & $set 'AccessKeyId' $Spec.AccessKey 'access key'
                & $set 'SecretAccessKey' $Spec.SecretKey 'secret key'
                if ($Spec.SessionToken) { & $set 'SessionToken' $Spec.SessionToken 'session token' }
            }
        }
        if ($Spec.Region) { & $set 'Region' $Spec.Region 'region' }
        if ($Spec.EndpointUrl) { & $set 'EndpointUrl' $Spec.EndpointUrl 'endpoint URL' }
        if ($Spec.CaBundle) { & $set 'CaBundle' $Spec.CaBundle 'CA bundle' }
        foreach ($id in $Spec.RegistryId) { & $set 'RegistryId' $id 'registry id' }
        foreach ($hostName in $Spec.Registry) { & $set 'Registry' $hostName 'registry' }
        if ($Spec.Public) { & $set 'Public' '1' 'ECR Public switch' }
        if ($ReuseTokens) { & $set 'ReuseTokens' '1' 'token reuse switch' }
        & $set 'TimeoutMs' ([string]($Spec.TimeoutSec * 1000)) 'timeout'
        # .NET on Linux and macOS keeps `$env:` changes from native code: hand the library
        # PowerShell's own view of the environment.
        foreach ($entry in [Environment]::GetEnvironmentVariables().GetEnumerator()) {
            if ($entry.Key -match $script:EcrEnvironmentNames -and "$($entry.Key)$($entry.Value)".IndexOf([char]0) -lt 0) {
                & $set 'Environment' "$($entry.Key)=$($entry.Value)" 'environment variable'
            }
        }

        $handle = [IntPtr]::Zero
        $status = $native::ecr_auth_request_fetch($request, [ref]$handle, $errorBuffer, $length)
        Assert-EcrStatus $status $errorBuffer 'Could not get an ECR authorization token' $Spec.Region
        $handle
    }
    finally {
        $native::ecr_auth_request_free($request)  # wipes the native copies of the secrets
    }
}

function script:Get-EcrResultLogin {
    # The logins in a native result, without passwords.
    param([IntPtr] $Handle, [string] $Client)
    $native = Get-EcrNative
    $count = [int]$native::ecr_auth_result_count($Handle).ToUInt64()
    for ($i = 0; $i -lt $count; $i++) {
        $index = [UIntPtr]::new([uint64]$i)
        [pscustomobject]@{
            PSTypeName    = 'EcrAuth.Login'
            Registry      = Read-EcrNativeString $native::ecr_auth_result_registry($Handle, $index)
            Username      = Read-EcrNativeString $native::ecr_auth_result_username($Handle, $index)
            ExpiresAt     = [DateTimeOffset]::FromUnixTimeSeconds($native::ecr_auth_result_expires_at($Handle, $index)).UtcDateTime
            ProxyEndpoint = Read-EcrNativeString $native::ecr_auth_result_proxy_endpoint($Handle, $index)
            Client        = $Client
            Index         = $i
        }
    }
}

function script:Get-EcrResultPassword {
    # The password of login $Index as UTF-8 bytes; the caller clears them when done.
    param([IntPtr] $Handle, [int] $Index)
    $native = Get-EcrNative
    , (Read-EcrNativeBytes $native::ecr_auth_result_password($Handle, [UIntPtr]::new([uint64]$Index)))
}

function script:Close-EcrResult {
    param([IntPtr] $Handle)
    if ($Handle -ne [IntPtr]::Zero) { (Get-EcrNative)::ecr_auth_result_free($Handle) }
}
