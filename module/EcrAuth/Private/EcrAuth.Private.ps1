# EcrAuth internals, dot-sourced by Connect-EcrRegistry on use (not at import).
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

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
}

function New-EcrErrorRecord {
    param([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category,
        [type] $ExceptionType = [System.InvalidOperationException], [object] $Target)
    $exception = New-Object $ExceptionType.FullName -ArgumentList $Message
    New-Object System.Management.Automation.ErrorRecord($exception, "EcrAuth.$ErrorId", $Category, $Target)
}

function Get-EcrRuntimeId {
    # RuntimeInformation exists on .NET Framework 4.7.1+ and every .NET Core; fall back to env vars.
    $arch = $null
    try { $arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant() } catch { }
    if (-not $arch) {
        $arch = if ($env:PROCESSOR_ARCHITECTURE -eq 'ARM64') { 'arm64' } else { 'x64' }
    }
    $onWindows = ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows
    $os = if ($onWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$arch"
}

function Get-EcrNativeLibraryPath {
    $rid = Get-EcrRuntimeId
    $file = switch -Wildcard ($rid) { 'win-*' { 'ecr_auth.dll' } 'osx-*' { 'libecr_auth.dylib' } default { 'libecr_auth.so' } }
    $moduleRoot = Split-Path -Parent $PSScriptRoot
    $path = Join-Path (Join-Path $moduleRoot $rid) $file
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        throw (New-EcrErrorRecord -Message ("EcrAuth's native library for $rid was not found at '$path'. " +
                'Build and stage it with: pwsh ./build.ps1 Build') -ErrorId 'NativeLibraryMissing' `
                -Category ObjectNotFound -ExceptionType ([System.IO.FileNotFoundException]) -Target $path)
    }
    $path
}

# P/Invoke declared with Reflection.Emit: no C# compiler at import or first use (~50 ms once).
function Get-EcrNative {
    if ($script:EcrNative) { return $script:EcrNative }
    $library = Get-EcrNativeLibraryPath
    $name = New-Object System.Reflection.AssemblyName('EcrAuth.Native')
    $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($name, 'Run')
    $type = $assembly.DefineDynamicModule('EcrAuth.Native').DefineType('EcrAuth.Native', 'Public, Sealed, Abstract, Class')
    $bytes = [byte[]]
    $signatures = [ordered]@{
        ecr_auth_fetch                 = @([int], @($bytes, $bytes, $bytes, $bytes, $bytes, $bytes, [uint32], [IntPtr].MakeByRefType(), $bytes, [UIntPtr]))
        ecr_auth_result_count          = @([UIntPtr], @([IntPtr]))
        ecr_auth_result_registry       = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_proxy_endpoint = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_username       = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_password       = @([IntPtr], @([IntPtr], [UIntPtr]))
        ecr_auth_result_expires_at     = @([long], @([IntPtr], [UIntPtr]))
        ecr_auth_result_free           = @([void], @([IntPtr]))
        ecr_auth_version               = @([IntPtr], [type[]]@())
    }
    foreach ($entry in $signatures.GetEnumerator()) {
        $method = $type.DefinePInvokeMethod($entry.Key, $library, 'Public, Static, PinvokeImpl',
            'Standard', $entry.Value[0], [type[]]$entry.Value[1], 'Cdecl', 'Ansi')
        $method.SetImplementationFlags('PreserveSig')
        if ($entry.Key -eq 'ecr_auth_fetch') {
            # The error buffer is written by the callee.
            $null = $method.DefineParameter(9, 'In, Out', 'error_buf')
        }
    }
    $script:EcrNative = $type.CreateType()
    $script:EcrNative
}

function ConvertTo-EcrNativeString {
    param([string] $Value, [string] $Name)
    if (-not $Value) { return $null }
    if ($Value.IndexOf([char]0) -ge 0) {
        throw (New-EcrErrorRecord -Message "The $Name contains a NUL character." -ErrorId 'InvalidArgument' `
                -Category InvalidArgument -ExceptionType ([System.ArgumentException]))
    }
    $count = [System.Text.Encoding]::UTF8.GetByteCount($Value)
    $bytes = New-Object byte[] ($count + 1)
    $null = [System.Text.Encoding]::UTF8.GetBytes($Value, 0, $Value.Length, $bytes, 0)
    , $bytes
}

function Read-EcrNativeBytes {
    # A NUL-terminated UTF-8 string from native memory, as bytes (PS 5.1 has no PtrToStringUTF8).
    param([IntPtr] $Pointer)
    if ($Pointer -eq [IntPtr]::Zero) { return , (New-Object byte[] 0) }
    $length = 0
    while ([System.Runtime.InteropServices.Marshal]::ReadByte($Pointer, $length) -ne 0) { $length++ }
    $bytes = New-Object byte[] $length
    [System.Runtime.InteropServices.Marshal]::Copy($Pointer, $bytes, 0, $length)
    , $bytes
}

function Read-EcrNativeString {
    param([IntPtr] $Pointer)
    [System.Text.Encoding]::UTF8.GetString((Read-EcrNativeBytes $Pointer))
}

function Invoke-EcrFetch {
    # Returns the native result handle; the caller frees it.
    param([string] $AccessKey, [string] $SecretKey, [string] $SessionToken, [string] $Region,
        [string] $EndpointUrl, [string[]] $RegistryId, [int] $TimeoutSec)
    $native = Get-EcrNative
    $secret = $null; $token = $null
    try {
        $key = ConvertTo-EcrNativeString $AccessKey 'access key'
        $secret = ConvertTo-EcrNativeString $SecretKey 'secret key'
        $token = ConvertTo-EcrNativeString $SessionToken 'session token'
        $regionBytes = ConvertTo-EcrNativeString $Region 'region'
        $endpoint = ConvertTo-EcrNativeString $EndpointUrl 'endpoint URL'
        $ids = ConvertTo-EcrNativeString ($RegistryId -join ',') 'registry id list'
        $errorBuffer = New-Object byte[] 1024
        $handle = [IntPtr]::Zero
        $status = $native::ecr_auth_fetch($key, $secret, $token, $regionBytes, $endpoint, $ids,
            [uint32]($TimeoutSec * 1000), [ref]$handle, $errorBuffer, [UIntPtr]::new($errorBuffer.Length))
    }
    finally {
        # The secrets' bytes are ours: wipe them as soon as the call returns.
        if ($secret) { [Array]::Clear($secret, 0, $secret.Length) }
        if ($token) { [Array]::Clear($token, 0, $token.Length) }
    }
    if ($status -ne 0) {
        $end = [Array]::IndexOf($errorBuffer, [byte]0)
        if ($end -lt 0) { $end = $errorBuffer.Length }
        $message = [System.Text.Encoding]::UTF8.GetString($errorBuffer, 0, $end)
        $kind = $script:EcrStatus[[int]$status]
        if (-not $kind) { $kind = @("Status$status", 'NotSpecified', [System.InvalidOperationException]) }
        throw (New-EcrErrorRecord -Message "Could not get an ECR authorization token: $message" `
                -ErrorId $kind[0] -Category $kind[1] -ExceptionType $kind[2] -Target $Region)
    }
    $handle
}

function Resolve-EcrClient {
    param([string] $Name = 'docker')
    $command = Get-Command -Name $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $command) {
        throw (New-EcrErrorRecord -Message ("'$Name' was not found on PATH. Install the Docker CLI " +
                '(https://docs.docker.com/get-docker/) or add it to PATH, then run Auth-ECR again.') `
                -ErrorId 'ClientNotFound' -Category ObjectNotFound `
                -ExceptionType ([System.Management.Automation.CommandNotFoundException]) -Target $Name)
    }
    $command.Source
}

function ConvertTo-EcrArgument {
    # Quote for Windows' command-line parser (also fine on Unix, where .NET splits the same way).
    param([string] $Value)
    if ($Value -match '^[A-Za-z0-9._:/@\[\]-]+$') { return $Value }
    '"' + ($Value -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"'
}

function Invoke-EcrClientLogin {
    # Runs `<client> login --username U --password-stdin HOST`, the password on stdin only.
    param([string] $ClientPath, [string] $Registry, [string] $Username, [byte[]] $Password,
        [int] $TimeoutSec = 120)
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $ClientPath
    $info.Arguments = 'login --username {0} --password-stdin {1}' -f (ConvertTo-EcrArgument $Username), (ConvertTo-EcrArgument $Registry)
    $info.UseShellExecute = $false
    $info.CreateNoWindow = $true
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        try {
            $process.StandardInput.BaseStream.Write($Password, 0, $Password.Length)
            $process.StandardInput.BaseStream.Flush()
        }
        catch [System.IO.IOException] {
            # The client exited before reading stdin; its own error below says why.
        }
        finally {
            $process.StandardInput.Close()
        }
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill()
            throw (New-EcrErrorRecord -Message "'$ClientPath login' did not finish within $TimeoutSec seconds." `
                    -ErrorId 'ClientTimeout' -Category OperationTimeout -ExceptionType ([System.TimeoutException]) -Target $Registry)
        }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = $stdout.Result
            Error    = $stderr.Result
        }
    }
    finally {
        $process.Dispose()
    }
}

function Get-EcrLastLine {
    param([string] $Text)
    $lines = @($Text -split "\r?\n" | Where-Object { $_.Trim() })
    if ($lines.Count) { $lines[-1].Trim() } else { '' }
}

function Invoke-EcrLogin {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $AccessKey, [string] $SecretKey,
        [string] $Region, [string] $SessionToken, [string[]] $RegistryId, [string] $EndpointUrl,
        [int] $TimeoutSec, [switch] $PassThru)

    $client = Resolve-EcrClient 'docker'
    $endpointText = if ($EndpointUrl) { $EndpointUrl } else { 'the regional default' }
    $Cmdlet.WriteVerbose("Requesting an ECR authorization token for key $AccessKey in $Region (endpoint: $endpointText).")
    $handle = Invoke-EcrFetch -AccessKey $AccessKey -SecretKey $SecretKey -SessionToken $SessionToken `
        -Region $Region -EndpointUrl $EndpointUrl -RegistryId $RegistryId -TimeoutSec $TimeoutSec
    $native = Get-EcrNative
    try {
        $count = [int]$native::ecr_auth_result_count($handle).ToUInt64()
        $Cmdlet.WriteVerbose("ECR returned $count login(s).")
        for ($i = 0; $i -lt $count; $i++) {
            $index = [UIntPtr]::new([uint64]$i)
            $login = [pscustomobject]@{
                PSTypeName    = 'EcrAuth.Login'
                Registry      = Read-EcrNativeString $native::ecr_auth_result_registry($handle, $index)
                Username      = Read-EcrNativeString $native::ecr_auth_result_username($handle, $index)
                ExpiresAt     = [DateTimeOffset]::FromUnixTimeSeconds($native::ecr_auth_result_expires_at($handle, $index)).UtcDateTime
                ProxyEndpoint = Read-EcrNativeString $native::ecr_auth_result_proxy_endpoint($handle, $index)
            }
            $Cmdlet.WriteVerbose(("Running: {0} login --username {1} --password-stdin {2} (password on standard input)" -f $client, $login.Username, $login.Registry))
            $password = Read-EcrNativeBytes $native::ecr_auth_result_password($handle, $index)
            try {
                $run = Invoke-EcrClientLogin -ClientPath $client -Registry $login.Registry -Username $login.Username -Password $password
            }
            finally {
                [Array]::Clear($password, 0, $password.Length)
            }
            foreach ($line in @($run.Error -split "\r?\n" | Where-Object { $_.Trim() })) {
                $Cmdlet.WriteVerbose("docker: $line")
            }
            if ($run.ExitCode -ne 0) {
                $reason = Get-EcrLastLine $run.Error
                if (-not $reason) { $reason = "exit code $($run.ExitCode)" }
                $category = if ($reason -match '401|403|unauthorized|denied|incorrect username or password') { 'AuthenticationError' }
                elseif ($reason -match 'connection refused|no such host|timeout|i/o|unreachable|EOF') { 'ConnectionError' }
                else { 'InvalidResult' }
                throw (New-EcrErrorRecord -Message "docker login to $($login.Registry) failed: $reason" -ErrorId 'ClientLoginFailed' `
                        -Category $category -Target $login.Registry)
            }
            foreach ($line in @($run.Output -split "\r?\n" | Where-Object { $_.Trim() })) {
                Write-Host "$($login.Registry): $line"
            }
            if ($PassThru) { $login }
        }
    }
    finally {
        $native::ecr_auth_result_free($handle)
    }
}
