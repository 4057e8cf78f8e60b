# A local stand-in for AWS + ECR, shared by the Pester tests, `build.ps1 Demo` and benches/:
# Debian's Distribution registry with htpasswd auth and tests/support/mock_ecr.py, both on
# 127.0.0.1 and stopped by PID. Requires docker-registry, htpasswd (apache2-utils), python3.

Set-StrictMode -Version 3.0

function Get-FreeTcpPort {
    $listener = New-Object System.Net.Sockets.TcpListener([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-TestDirectory {
    $path = Join-Path ([System.IO.Path]::GetTempPath()) ("ecrauth-" + [guid]::NewGuid().ToString('n').Substring(0, 12))
    (New-Item -ItemType Directory -Path $path).FullName
}

function Get-RequiredCommand {
    param([string] $Name, [string] $Hint)
    $command = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $command) { throw "'$Name' is needed for the local ECR stack but was not found; $Hint" }
    $command.Source
}

function Wait-HttpStatus {
    param([string] $Uri, [int] $Status, [int] $TimeoutSec = 20)
    $client = New-Object System.Net.Http.HttpClient
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    try {
        while ([DateTime]::UtcNow -lt $deadline) {
            try {
                $response = $client.GetAsync($Uri).GetAwaiter().GetResult()
                if ([int]$response.StatusCode -eq $Status) { return }
            }
            catch { }
            Start-Sleep -Milliseconds 100
        }
    }
    finally { $client.Dispose() }
    throw "$Uri did not answer $Status within $TimeoutSec s"
}

function Wait-TcpPort {
    param([int] $Port, [System.Diagnostics.Process] $Process, [int] $TimeoutSec = 20)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Process.HasExited) { throw "process $($Process.Id) exited early with code $($Process.ExitCode)" }
        $client = New-Object System.Net.Sockets.TcpClient
        try { $client.Connect([System.Net.IPAddress]::Loopback, $Port); return } catch { } finally { $client.Dispose() }
        Start-Sleep -Milliseconds 100
    }
    throw "nothing listened on 127.0.0.1:$Port within $TimeoutSec s"
}

function Start-TestRegistry {
    <# Starts a Distribution registry on 127.0.0.1 with one htpasswd user. #>
    param([Parameter(Mandatory)] [string] $Password, [string] $User = 'AWS')
    $registry = Get-RequiredCommand 'docker-registry' 'install it with: apt-get install docker-registry'
    $htpasswd = Get-RequiredCommand 'htpasswd' 'install it with: apt-get install apache2-utils'
    $dir = New-TestDirectory
    $passwordFile = Join-Path $dir 'htpasswd'
    # The password goes to htpasswd on stdin (-i), never on its command line.
    $Password | & $htpasswd -iBc $passwordFile $User 2>$null
    if ($LASTEXITCODE -ne 0) { throw "htpasswd failed with exit code $LASTEXITCODE" }
    $port = Get-FreeTcpPort
    $config = Join-Path $dir 'config.yml'
    @"
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: '$dir/data'}}
http: {addr: '127.0.0.1:$port'}
auth: {htpasswd: {realm: ecrauth-test, path: '$passwordFile'}}
"@ | Set-Content -LiteralPath $config -Encoding ascii
    $process = Start-Process -FilePath $registry -ArgumentList 'serve', $config -PassThru `
        -RedirectStandardOutput (Join-Path $dir 'stdout.log') -RedirectStandardError (Join-Path $dir 'stderr.log')
    Wait-HttpStatus -Uri "http://127.0.0.1:$port/v2/" -Status 401
    [pscustomobject]@{ Process = $process; Port = $port; Host = "127.0.0.1:$port"; Directory = $dir; User = $User }
}

function Start-MockEcr {
    <# Starts tests/support/mock_ecr.py on 127.0.0.1. -Fail CODE makes every call fail. #>
    param([Parameter(Mandatory)] [string] $ProxyEndpoint, [Parameter(Mandatory)] [string] $Password,
        [string] $Fail, [int] $Status = 400, [string] $TlsCertificate, [string] $TlsKey,
        [int] $FailFirst = 0, [ValidateSet('ok', 'empty', 'bad-token')] [string] $Answer = 'ok', [switch] $PerRegistry,
        [string[]] $DenyRegistry)
    $python = Get-RequiredCommand 'python3' 'install Python 3'
    $dir = New-TestDirectory
    $passwordFile = Join-Path $dir 'password'
    [System.IO.File]::WriteAllText($passwordFile, $Password)
    $log = Join-Path $dir 'requests.jsonl'
    $port = Get-FreeTcpPort
    $arguments = @((Join-Path $PSScriptRoot 'mock_ecr.py'), '--port', $port, '--proxy-endpoint', $ProxyEndpoint,
        '--password-file', $passwordFile, '--log', $log)
    if ($Fail) { $arguments += @('--fail', $Fail, '--status', $Status) }
    if ($FailFirst) { $arguments += @('--fail-first', $FailFirst) }
    if ($Answer -ne 'ok') { $arguments += @('--answer', $Answer) }
    if ($PerRegistry) { $arguments += '--per-registry' }
    foreach ($id in $DenyRegistry) { $arguments += @('--deny-registry', $id) }
    $scheme = 'http'
    if ($TlsCertificate) { $arguments += @('--tls-cert', $TlsCertificate, '--tls-key', $TlsKey); $scheme = 'https' }
    $process = Start-Process -FilePath $python -ArgumentList $arguments -PassThru `
        -RedirectStandardOutput (Join-Path $dir 'stdout.log') -RedirectStandardError (Join-Path $dir 'stderr.log')
    Wait-TcpPort -Port $port -Process $process
    [pscustomobject]@{ Process = $process; Port = $port; Uri = "${scheme}://127.0.0.1:$port"; Directory = $dir; Log = $log }
}

function Get-MockEcrRequest {
    <# The requests the mock ECR endpoint received, as objects (no secrets are logged). #>
    param([Parameter(Mandatory)] $Ecr)
    if (-not (Test-Path -LiteralPath $Ecr.Log)) { return @() }
    @(Get-Content -LiteralPath $Ecr.Log | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
}

function Stop-TestProcess {
    <# Stops a process started by this module, by PID, and removes its folder. #>
    param($Service)
    if (-not $Service) { return }
    $process = $Service.Process
    if ($process -and -not $process.HasExited) {
        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        $null = $process.WaitForExit(5000)
    }
    if ($Service.Directory -and (Test-Path -LiteralPath $Service.Directory)) {
        Remove-Item -LiteralPath $Service.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function New-FakeClient {
    <# An executable named $Name in $Directory that records its arguments and standard input
       (for clients that cannot be installed here) and answers like a successful login.
       StdinBytesFile holds the last run's standard input byte for byte. #>
    param([Parameter(Mandatory)] [string] $Directory, [Parameter(Mandatory)] [string] $Name, [int] $ExitCode = 0)
    $null = New-Item -ItemType Directory -Force -Path $Directory
    $path = Join-Path $Directory $Name
    $record = Join-Path $Directory "$Name.calls"
    @"
#!/bin/sh
raw='$record.stdin.'`$`$
cat > "`$raw"
input=`$(cat "`$raw")
# One write per file per run (atomic appends), and one combined line for concurrent runs.
printf '%s\n' "`$*" >> '$record.args'
printf '%s\n' "`$input" >> '$record.stdin'
printf '%s|%s\n' "`$*" "`$input" >> '$record.log'
mv -f "`$raw" '$record.stdin.bin'
echo 'Login Succeeded'
exit $ExitCode
"@ | Set-Content -LiteralPath $path -Encoding ascii
    & chmod +x $path
    [pscustomobject]@{ Path = $path; ArgsFile = "$record.args"; StdinFile = "$record.stdin"; LogFile = "$record.log"; StdinBytesFile = "$record.stdin.bin" }
}

function Invoke-WithCommandLineWatch {
    <# Runs $Script while another runspace records every process command line it sees in
       /proc/*/cmdline. Returns the script's output and the command lines. #>
    param([Parameter(Mandatory)] [scriptblock] $Script)
    $seen = New-Object 'System.Collections.Concurrent.ConcurrentDictionary[string,byte]'
    $state = [hashtable]::Synchronized(@{ Stop = $false })
    $watcher = [powershell]::Create()
    $null = $watcher.AddScript({
            param($seen, $state)
            while (-not $state.Stop) {
                foreach ($dir in [System.IO.Directory]::GetDirectories('/proc')) {
                    try { $bytes = [System.IO.File]::ReadAllBytes("$dir/cmdline") } catch { continue }
                    if ($bytes.Length) { $null = $seen.TryAdd([Text.Encoding]::UTF8.GetString($bytes).Replace([char]0, ' '), 0) }
                }
            }
        }).AddArgument($seen).AddArgument($state)
    $handle = $watcher.BeginInvoke()
    try {
        Start-Sleep -Milliseconds 100   # let the watcher start before the script does
        $output = & $Script
    }
    finally {
        $state.Stop = $true
        $null = $watcher.EndInvoke($handle)
        $watcher.Dispose()
    }
    [pscustomobject]@{ Output = $output; CommandLines = @($seen.Keys) }
}

function Use-IsolatedAwsEnvironment {
    <# Sets the process environment so no AWS SDK can reach beyond 127.0.0.1. Returns the previous values. #>
    param([Parameter(Mandatory)] [string] $Directory)
    $empty = Join-Path $Directory 'empty-aws-file'
    if (-not (Test-Path -LiteralPath $empty)) { $null = New-Item -ItemType File -Path $empty }
    $values = @{
        AWS_EC2_METADATA_DISABLED   = 'true'
        AWS_CONFIG_FILE             = $empty
        AWS_SHARED_CREDENTIALS_FILE = $empty
        AWS_PROFILE                 = $null
        AWS_ENDPOINT_URL            = $null
        AWS_ENDPOINT_URL_ECR        = $null
        AWS_ACCESS_KEY_ID           = $null
        AWS_SECRET_ACCESS_KEY       = $null
        AWS_SESSION_TOKEN           = $null
        AWS_REGION                  = $null
        AWS_DEFAULT_REGION          = $null
        ECRAUTH_STATE_DIR           = (Join-Path $Directory 'ecrauth-state')
    }
    $previous = @{}
    foreach ($name in $values.Keys) {
        $previous[$name] = [Environment]::GetEnvironmentVariable($name)
        Set-EnvironmentValue $name $values[$name]
    }
    $previous
}

function Set-EnvironmentValue {
    # $null removes the variable. ([Environment]::SetEnvironmentVariable($name, $null) does not:
    # PowerShell passes "" for $null, and .NET on Unix keeps the variable, empty.)
    param([string] $Name, [string] $Value)
    if ($null -eq $Value -or $Value -eq '') { Remove-Item -LiteralPath "env:$Name" -ErrorAction SilentlyContinue }
    else { Set-Item -LiteralPath "env:$Name" -Value $Value }
}

function Restore-Environment {
    param([hashtable] $Previous)
    foreach ($name in $Previous.Keys) { Set-EnvironmentValue $name $Previous[$name] }
}

function Get-NativeLibraryFact {
    <# A native library's file format and machine from its own headers (PE32+ or ELF64; x86-64 or
       AArch64), its exported function names and the libraries it needs (objdump for PE, readelf
       for ELF). #>
    param([Parameter(Mandatory)] [string] $Path)
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $machines = @{ 0x8664 = 'x86-64'; 0xAA64 = 'AArch64'; 0x3E = 'x86-64'; 0xB7 = 'AArch64' }
    if ($bytes[0] -eq 0x4D -and $bytes[1] -eq 0x5A) {
        $pe = [BitConverter]::ToInt32($bytes, 0x3C)
        if ([BitConverter]::ToUInt32($bytes, $pe) -ne 0x4550) { throw "$Path has an MZ header but no PE signature" }
        $optional = [BitConverter]::ToUInt16($bytes, $pe + 24)
        $format = if ($optional -eq 0x20B) { 'PE32+' } else { 'PE32' }
        $machine = $machines[[int][BitConverter]::ToUInt16($bytes, $pe + 4)]
        $objdump = Get-RequiredCommand 'x86_64-w64-mingw32-objdump' 'install it with: apt-get install binutils-mingw-w64-x86-64'
        # The export table lists "[ordinal] name" lines.
        $dump = @(& $objdump -p $Path)
        $exports = @($dump | Where-Object { $_ -match '^\s*\[\s*\d+\]\s+(\S+)$' } | ForEach-Object { $Matches[1] })
        $imports = @($dump | Where-Object { $_ -match '^\s*DLL Name:\s+(\S+)' } | ForEach-Object { $Matches[1].ToLowerInvariant() })
    }
    elseif ($bytes[0] -eq 0x7F -and $bytes[1] -eq 0x45 -and $bytes[2] -eq 0x4C -and $bytes[3] -eq 0x46) {
        $format = if ($bytes[4] -eq 2) { 'ELF64' } else { 'ELF32' }
        $machine = $machines[[int][BitConverter]::ToUInt16($bytes, 0x12)]
        $readelf = Get-RequiredCommand 'readelf' 'install it with: apt-get install binutils'
        # Defined global functions of the dynamic symbol table.
        $exports = @(& $readelf --dyn-syms -W $Path | ForEach-Object {
                $fields = -split $_
                if ($fields.Count -ge 8 -and $fields[3] -eq 'FUNC' -and $fields[4] -eq 'GLOBAL' -and $fields[6] -ne 'UND') { $fields[7] -replace '@.*$', '' }
            })
        $imports = @(& $readelf -d -W $Path | Where-Object { $_ -match '\(NEEDED\).*\[(.+)\]' } | ForEach-Object { $Matches[1] })
    }
    else { throw "$Path is neither a PE nor an ELF file" }
    [pscustomobject]@{ Path = $Path; Format = $format; Machine = $machine; Exports = $exports; Imports = $imports; Size = $bytes.Length }
}

function Get-BoundNativeFunction {
    <# The native functions the module binds (Private/Native.ps1's P/Invoke signatures). Throws
       if it finds too few to be the real list, so no caller checks an empty one. #>
    $native = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'module/EcrAuth/Private/Native.ps1'
    $names = @([regex]::Matches([System.IO.File]::ReadAllText($native), '(?m)^\s+(ecr_auth_\w+)\s+= @\(') | ForEach-Object { $_.Groups[1].Value })
    if ($names.Count -lt 10) { throw "Found only $($names.Count) bound functions in $native; did its signature list change shape?" }
    $names
}

# Debian's wine64 package puts the loader here, not on PATH.
$script:Wine = '/usr/lib/wine/wine64'

function Get-WineCommand {
    if (-not (Test-Path -LiteralPath $script:Wine)) { throw "Wine is missing ($script:Wine): apt-get install wine64 wine, or pwsh ./build.ps1 Cross as root" }
    $script:Wine
}

function Get-WineEnvironment {
    <# The variables of a Wine run in prefix $Prefix: quiet, no Mono/Gecko prompts, and without
       the host's CA settings, which Wine hands to Windows programs (they would replace the
       Windows certificate store). $null means unset. #>
    param([Parameter(Mandatory)] [string] $Prefix)
    @{ WINEPREFIX = $Prefix; WINEDEBUG = '-all'; WINEDLLOVERRIDES = 'mscoree,mshtml='; AWS_CA_BUNDLE = $null; SSL_CERT_FILE = $null; SSL_CERT_DIR = $null }
}

function Initialize-WinePrefix {
    <# Creates the prefix $env:WINEPREFIX names. Wine 8 lacks bcryptprimitives.dll, which Rust's
       std imports (ProcessPrng) and Windows 10+ has: the prefix then gets a test-only stand-in
       built from tests/windows/processprng.c. #>
    $null = & (Get-WineCommand) cmd /c exit 2>&1
    $shim = Join-Path $env:WINEPREFIX 'drive_c/windows/system32/bcryptprimitives.dll'
    if (Test-Path -LiteralPath $shim) { return }
    $gcc = Get-RequiredCommand 'x86_64-w64-mingw32-gcc' 'install it with: apt-get install gcc-mingw-w64-x86-64'
    $output = & $gcc -shared -O1 -o $shim (Join-Path (Split-Path -Parent $PSScriptRoot) 'windows/processprng.c') -ladvapi32 2>&1
    if ($LASTEXITCODE) { throw "Building the ProcessPrng stand-in failed: $output" }
}

function Stop-Wine {
    <# Stops the wineserver of $env:WINEPREFIX (and the programs it still runs). #>
    if (Test-Path -LiteralPath '/usr/lib/wine/wineserver') { $null = & /usr/lib/wine/wineserver -k 2>&1 }
}

Export-ModuleMember -Function Set-EnvironmentValue, Get-NativeLibraryFact, Get-BoundNativeFunction, Get-WineCommand, Get-WineEnvironment,
    Initialize-WinePrefix, Stop-Wine, Get-RequiredCommand, Get-FreeTcpPort, New-TestDirectory, Start-TestRegistry, Start-MockEcr,
    Get-MockEcrRequest, Stop-TestProcess, New-FakeClient, Invoke-WithCommandLineWatch, Use-IsolatedAwsEnvironment,
    Restore-Environment
