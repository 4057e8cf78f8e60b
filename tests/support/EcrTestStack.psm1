# A local stand-in for AWS + ECR, shared by the Pester tests, `build.ps1 Demo` and benches/:
# Debian's Distribution registry with htpasswd auth and tests/support/mock_ecr.py, both on
# 127.0.0.1 and stopped by PID. Requires docker-registry, htpasswd (apache2-utils), python3.

[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixtures: they start and stop throwaway servers and folders of a test run, nothing of the user''s.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingPlainTextForPassword', '', Justification = 'Test passwords, made up per run, handed to test servers.')]
param()

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
    $last = 'no answer'
    try {
        while ([DateTime]::UtcNow -lt $deadline) {
            try {
                $response = $client.GetAsync($Uri).GetAwaiter().GetResult()
                if ([int]$response.StatusCode -eq $Status) { return }
                $last = "HTTP $([int]$response.StatusCode)"
            }
            catch { $last = $_.Exception.Message }
            Start-Sleep -Milliseconds 100
        }
    }
    finally { $client.Dispose() }
    throw "$Uri did not answer $Status within $TimeoutSec s (last: $last)"
}

function Wait-TcpPort {
    param([int] $Port, $Process, [int] $TimeoutSec = 20)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    $last = 'no attempt'
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Process.HasExited) { throw "process $($Process.Id) exited early with code $($Process.ExitCode)" }
        $client = New-Object System.Net.Sockets.TcpClient
        try { $client.Connect([System.Net.IPAddress]::Loopback, $Port); return } catch { $last = $_.Exception.Message } finally { $client.Dispose() }
        Start-Sleep -Milliseconds 100
    }
    throw "nothing listened on 127.0.0.1:$Port within $TimeoutSec s (last: $last)"
}

function Start-TestRegistry {
    <# Starts a Distribution registry on 127.0.0.1 with one htpasswd user: Debian's docker-registry,
       else `registry` (built with `go install`, as the hosted workflow does on Windows and macOS).
       -NoAuth: a registry that takes any user and password (htpasswd holds 255 bytes at most). #>
    param([Parameter(Mandatory)] [string] $Password, [string] $User = 'AWS', [switch] $NoAuth)
    $registry = Find-StackCommand 'docker-registry', 'registry' 'install it with: apt-get install docker-registry (or go install github.com/distribution/distribution/v3/cmd/registry@v3.0.0)'
    $dir = New-TestDirectory
    $passwordFile = Join-Path $dir 'htpasswd'
    $auth = ''
    if (-not $NoAuth) {
        New-HtpasswdFile -Path $passwordFile -User $User -Password $Password
        $auth = "auth: {htpasswd: {realm: ecrauth-test, path: '$(ConvertTo-StackPath $passwordFile)'}}"
    }
    $port = Get-FreeTcpPort
    $config = Join-Path $dir 'config.yml'
    @"
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: '$(ConvertTo-StackPath (Join-Path $dir 'data'))'}}
http: {addr: '127.0.0.1:$port'}
$auth
"@ | Set-Content -LiteralPath $config -Encoding ascii
    $process = Start-StackProcess -FilePath $registry -ArgumentList 'serve', (ConvertTo-StackPath $config) -Directory $dir
    $ready = 401
    if ($NoAuth) { $ready = 200 }
    Wait-HttpStatus -Uri "http://127.0.0.1:$port/v2/" -Status $ready
    [pscustomobject]@{ Process = $process; Port = $port; Host = "127.0.0.1:$port"; Directory = $dir; User = $User }
}

function Publish-TestManifest {
    <# Puts a one-config, no-layer OCI image manifest at <registry>/<Repository>:<Tag> through the
       registry's HTTP API (no daemon needed), so `docker manifest inspect` has something to read. #>
    param([Parameter(Mandatory)] $Registry, [Parameter(Mandatory)] [string] $Password, [string] $Repository = 'ecrauth/test', [string] $Tag = 'v1')
    $base = "http://$($Registry.Host)/v2/$Repository"
    $headers = @{ Authorization = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$($Registry.User):$Password")) }
    $config = [Text.Encoding]::UTF8.GetBytes('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
    $digest = 'sha256:' + ([BitConverter]::ToString([Security.Cryptography.SHA256]::HashData($config)).Replace('-', '').ToLowerInvariant())
    $upload = Invoke-WebRequest -Method Post -Uri "$base/blobs/uploads/" -Headers $headers -UseBasicParsing
    $location = [string]$upload.Headers['Location']
    if ($location -notmatch '^https?://') { $location = "http://$($Registry.Host)$location" }
    $separator = if ($location.Contains('?')) { '&' } else { '?' }
    $null = Invoke-WebRequest -Method Put -Uri "$location${separator}digest=$digest" -Headers $headers -Body $config -ContentType 'application/octet-stream' -UseBasicParsing
    $manifest = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"' +
    $digest + '","size":' + $config.Length + '},"layers":[]}'
    $null = Invoke-WebRequest -Method Put -Uri "$base/manifests/$Tag" -Headers $headers -Body $manifest -ContentType 'application/vnd.oci.image.manifest.v1+json' -UseBasicParsing
    "$($Registry.Host)/${Repository}:$Tag"
}

function New-HtpasswdFile {
    # One bcrypt htpasswd line, the password on standard input only: htpasswd (apache2-utils),
    # else Python's bcrypt module (the hosted workflow's Windows and macOS runners).
    param([string] $Path, [string] $User, [string] $Password)
    $htpasswd = Find-StackCommand 'htpasswd' -Optional
    if ($htpasswd) {
        $run = Invoke-StackTool $htpasswd @('-iBc', (ConvertTo-StackPath $Path), $User) -InputText $Password
    }
    else {
        $python = Find-StackCommand 'python3', 'python' 'install Python 3 (and pip install bcrypt, or apache2-utils for htpasswd)'
        $code = 'import bcrypt,sys; u=sys.argv[1]; p=sys.stdin.buffer.read(); open(sys.argv[2],"w").write(u+":"+bcrypt.hashpw(p,bcrypt.gensalt()).decode()+"\n")'
        $run = Invoke-StackTool $python @('-c', $code, $User, (ConvertTo-StackPath $Path)) -InputText $Password
    }
    if ($run.ExitCode -ne 0) { throw "writing the htpasswd file failed (exit $($run.ExitCode)): $($run.Error)" }
}

function Start-MockEcr {
    <# Starts tests/support/mock_ecr.py on 127.0.0.1. -Fail CODE makes every call fail. #>
    param([Parameter(Mandatory)] [string] $ProxyEndpoint, [Parameter(Mandatory)] [string] $Password,
        [string] $Fail, [int] $Status = 400, [string] $TlsCertificate, [string] $TlsKey,
        [int] $FailFirst = 0, [ValidateSet('ok', 'empty', 'bad-token')] [string] $Answer = 'ok', [switch] $PerRegistry,
        [string[]] $DenyRegistry, [string] $User, [int] $Ttl)
    $python = Find-StackCommand 'python3', 'python' 'install Python 3'
    $dir = New-TestDirectory
    $passwordFile = Join-Path $dir 'password'
    [System.IO.File]::WriteAllText($passwordFile, $Password)
    $log = Join-Path $dir 'requests.jsonl'
    $port = Get-FreeTcpPort
    $arguments = @((ConvertTo-StackPath (Join-Path $PSScriptRoot 'mock_ecr.py')), '--port', $port, '--proxy-endpoint', $ProxyEndpoint,
        '--password-file', (ConvertTo-StackPath $passwordFile), '--log', (ConvertTo-StackPath $log))
    if ($Fail) { $arguments += @('--fail', $Fail, '--status', $Status) }
    if ($FailFirst) { $arguments += @('--fail-first', $FailFirst) }
    if ($Answer -ne 'ok') { $arguments += @('--answer', $Answer) }
    if ($PerRegistry) { $arguments += '--per-registry' }
    if ($User) { $arguments += @('--user', $User) }
    if ($Ttl) { $arguments += @('--ttl', $Ttl) }
    foreach ($id in $DenyRegistry) { $arguments += @('--deny-registry', $id) }
    $scheme = 'http'
    if ($TlsCertificate) {
        $arguments += @('--tls-cert', (ConvertTo-StackPath $TlsCertificate), '--tls-key', (ConvertTo-StackPath $TlsKey)); $scheme = 'https'
    }
    $process = Start-StackProcess -FilePath $python -ArgumentList $arguments -Directory $dir
    Wait-TcpPort -Port $port -Process $process
    [pscustomobject]@{ Process = $process; Port = $port; Uri = "${scheme}://127.0.0.1:$port"; Directory = $dir; Log = $log }
}

function Start-MockSso {
    <# Starts tests/support/mock_sso.py (an IAM Identity Center portal) on 127.0.0.1. It accepts
       -Token (or nothing, with -Refuse) and hands out role credentials with -AccessKeyId. #>
    param([Parameter(Mandatory)] [string] $Token, [Parameter(Mandatory)] [string] $AccessKeyId, [switch] $Refuse)
    $python = Find-StackCommand 'python3', 'python' 'install Python 3'
    $dir = New-TestDirectory
    $tokenFile = Join-Path $dir 'token'
    [System.IO.File]::WriteAllText($tokenFile, $Token)
    $port = Get-FreeTcpPort
    $arguments = @((ConvertTo-StackPath (Join-Path $PSScriptRoot 'mock_sso.py')), '--port', $port, '--token-file', (ConvertTo-StackPath $tokenFile), '--access-key-id', $AccessKeyId)
    if ($Refuse) { $arguments += '--refuse' }
    $process = Start-StackProcess -FilePath $python -ArgumentList $arguments -Directory $dir
    Wait-TcpPort -Port $port -Process $process
    [pscustomobject]@{ Process = $process; Port = $port; Uri = "http://127.0.0.1:$port"; Directory = $dir }
}

function Start-Moto {
    <# Starts moto_server (PyPI moto[server]: AWS's APIs mocked, STS among them) on 127.0.0.1, or
       returns $null when it is not installed (.ci/run puts it in .venv). #>
    $moto = Find-StackCommand 'moto_server' -Optional
    if (-not $moto) {
        $venv = Join-Path $PSScriptRoot '../../.venv/bin/moto_server'
        if ((-not $script:Broker) -and (Test-Path -LiteralPath $venv)) { $moto = $venv } else { return $null }
    }
    $dir = New-TestDirectory
    $port = Get-FreeTcpPort
    $process = Start-StackProcess -FilePath $moto -ArgumentList @('-H', '127.0.0.1', '-p', $port) -Directory $dir
    Wait-TcpPort -Port $port -Process $process -TimeoutSec 60
    [pscustomobject]@{ Process = $process; Port = $port; Uri = "http://127.0.0.1:$port"; Directory = $dir }
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
    if ($process -and $process.PSObject.TypeNames -contains 'EcrAuth.BrokerProcess') { $null = Invoke-Broker '/kill' @{ pid = $process.Id } }
    elseif ($process -and -not $process.HasExited) {
        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        $null = $process.WaitForExit(5000)
    }
    if ($Service.Directory -and (Test-Path -LiteralPath $Service.Directory)) {
        Remove-Item -LiteralPath $Service.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# ---- The Windows leg ---------------------------------------------------------------------
# PowerShell for Windows under Wine (build.ps1 Test -Windows) cannot start a Linux program, so
# the stack's servers and tools start through tests/support/test_broker.py on the Linux side,
# which ECRAUTH_TEST_BROKER names; paths cross as Z:\x <-> /x (the Windows leg's temp folder is
# under Z:\tmp). Without it (Linux, macOS, real Windows) everything runs here directly.
$script:Broker = $env:ECRAUTH_TEST_BROKER
$script:ProgramDirectory = $null
$script:OnWindows = ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows

function Test-WindowsLeg {
    <# True in PowerShell for Windows under Wine, with the Linux side reached through the broker. #>
    [bool]$script:Broker
}

function Invoke-Broker {
    param([string] $Path, [hashtable] $Body = @{})
    Invoke-RestMethod -Method Post -Uri "$script:Broker$Path" -ContentType 'application/json' -Body (ConvertTo-Json $Body -Compress -Depth 5)
}

function ConvertTo-StackPath {
    <# A path as the stack's programs see it: on the Windows leg, Z:\tmp\x is /tmp/x on Linux. #>
    param([string] $Path)
    if ($script:Broker -and $Path -match '^[Zz]:[\\/]') { return '/' + $Path.Substring(3).Replace('\', '/') }
    # C:\ is the Wine prefix's drive_c (build.ps1 names the prefix).
    if ($script:Broker -and $env:ECRAUTH_TEST_WINE_PREFIX -and $Path -match '^[Cc]:[\\/]') {
        return $env:ECRAUTH_TEST_WINE_PREFIX + '/drive_c/' + $Path.Substring(3).Replace('\', '/')
    }
    $Path
}

function Find-StackCommand {
    <# The first of $Name that the stack can run (on the Windows leg: on the Linux side). #>
    param([string[]] $Name, [string] $Hint, [switch] $Optional)
    foreach ($candidate in $Name) {
        if ($script:Broker) { $path = (Invoke-Broker '/which' @{ name = $candidate }).path }
        else { $path = (Get-Command $candidate -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source }
        if ($path) { return $path }
    }
    if ($Optional) { return $null }
    throw "'$($Name -join "' or '")' is needed for the local ECR stack but was not found; $Hint"
}

function Invoke-StackTool {
    <# Runs a stack tool to completion; -InputText goes to its standard input. Returns ExitCode,
       Output and Error (text). #>
    param([string] $FilePath, [string[]] $ArgumentList, [string] $InputText = '')
    if ($script:Broker) {
        $stdin = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($InputText))
        $done = Invoke-Broker '/run' @{ argv = @($FilePath) + $ArgumentList; stdin_b64 = $stdin }
        $text = { param($b64) [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64)) }
        return [pscustomobject]@{ ExitCode = $done.exit; Output = (& $text $done.stdout_b64); Error = (& $text $done.stderr_b64) }
    }
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $FilePath
    $info.Arguments = @($ArgumentList | ForEach-Object { if ($_ -match '[\s"]') { '"' + ($_ -replace '"', '\"') + '"' } else { $_ } }) -join ' '
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true; $info.RedirectStandardOutput = $true; $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $stdout = $process.StandardOutput.ReadToEndAsync(); $stderr = $process.StandardError.ReadToEndAsync()
    $process.StandardInput.Write($InputText); $process.StandardInput.Close()
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr.Result }
}

function Start-StackProcess {
    <# Starts a server with its output in $Directory/stdout.log and stderr.log; returns an object
       with Id, HasExited and ExitCode. #>
    param([string] $FilePath, [string[]] $ArgumentList, [string] $Directory)
    $stdout = Join-Path $Directory 'stdout.log'; $stderr = Join-Path $Directory 'stderr.log'
    if (-not $script:Broker) {
        return Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -PassThru -RedirectStandardOutput $stdout -RedirectStandardError $stderr
    }
    $answer = Invoke-Broker '/spawn' @{ argv = @($FilePath) + $ArgumentList; stdout = (ConvertTo-StackPath $stdout); stderr = (ConvertTo-StackPath $stderr) }
    $process = [pscustomobject]@{ PSTypeName = 'EcrAuth.BrokerProcess'; Id = $answer.pid }
    $process | Add-Member -MemberType ScriptProperty -Name HasExited -Value { -not (Invoke-Broker '/alive' @{ pid = $this.Id }).alive }
    $process | Add-Member -MemberType ScriptProperty -Name ExitCode -Value { (Invoke-Broker '/alive' @{ pid = $this.Id }).exit }
    $process
}

function Test-ProcessAlive {
    <# Whether process $Id still runs. On Linux a killed process whose parent is gone can linger
       as a zombie (state Z) until init reaps it: that counts as stopped. #>
    param([int] $Id)
    $stat = "/proc/$Id/stat"
    if (-not $script:OnWindows -and [System.IO.File]::Exists($stat)) {
        $text = try { [System.IO.File]::ReadAllText($stat) } catch { '' }
        return $text -and $text.Substring($text.LastIndexOf(')') + 2, 1) -ne 'Z'
    }
    $null -ne (Get-Process -Id $Id -ErrorAction SilentlyContinue)
}

function Get-TestPwsh {
    <# The PowerShell executable running the tests (pwsh, pwsh.exe, or powershell.exe on 5.1), for
       child shells; ECRAUTH_TEST_PWSH when set (an engine started through `dotnet pwsh.dll`, such
       as ../shared/tools/bin/pwsh-il, whose process is dotnet itself). #>
    if ($env:ECRAUTH_TEST_PWSH) { return $env:ECRAUTH_TEST_PWSH }
    [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
}

function Get-TestProgram {
    <# A test program built from C: 'fake_client' (tests/windows, Windows only) or
       'credential_helper' (tests/support, both). On the Windows leg build.ps1 has built them into
       ECRAUTH_TEST_WINDOWS_BIN; elsewhere they are compiled here once per process (gcc or cc;
       on Windows MinGW's gcc, which the hosted runners have). #>
    param([Parameter(Mandatory)] [ValidateSet('fake_client', 'credential_helper')] [string] $Name)
    $suffix = ''
    if ($script:OnWindows) { $suffix = '.exe' }
    if ($env:ECRAUTH_TEST_WINDOWS_BIN -and $script:OnWindows) {
        $built = Join-Path $env:ECRAUTH_TEST_WINDOWS_BIN "$Name$suffix"
        if (Test-Path -LiteralPath $built) { return $built }
    }
    if (-not $script:ProgramDirectory) { $script:ProgramDirectory = New-TestDirectory }
    $output = Join-Path $script:ProgramDirectory "$Name$suffix"
    if (Test-Path -LiteralPath $output) { return $output }
    $tests = Split-Path -Parent $PSScriptRoot
    $source = if ($Name -eq 'fake_client') { Join-Path $tests 'windows/fake_client.c' } else { Join-Path $tests 'support/credential_helper.c' }
    $compilers = 'cc', 'gcc'
    if ($script:OnWindows) { $compilers = 'x86_64-w64-mingw32-gcc', 'gcc' }
    $compiler = (Get-Command $compilers -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
    if (-not $compiler) { throw "building $Name needs a C compiler (gcc; on Windows MinGW's gcc)" }
    $arguments = @(Get-TestProgramFlag -Windows:$script:OnWindows) + @('-o', $output, $source)
    if ($script:OnWindows) { $arguments += @('-lws2_32', '-lshell32') }
    $log = & $compiler @arguments 2>&1
    if ($LASTEXITCODE) { throw "building $Name failed: $log" }
    $output
}

function New-TestCertificate {
    <# A private CA (ca.pem, ca.der) and a certificate for 127.0.0.1 signed by it (cert.pem,
       key.pem) in $Directory, made by openssl (on the Windows leg, on the Linux side). Returns
       the folder. #>
    param([Parameter(Mandatory)] [string] $Directory)
    $null = New-Item -ItemType Directory -Force -Path $Directory
    $openssl = Find-StackCommand 'openssl' 'install openssl'
    [System.IO.File]::WriteAllText((Join-Path $Directory 'server.ext'), "subjectAltName=IP:127.0.0.1`nbasicConstraints=CA:FALSE`nextendedKeyUsage=serverAuth`n")
    $at = { param($name) ConvertTo-StackPath (Join-Path $Directory $name) }
    $steps = @(
        @('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=EcrAuth test CA', '-keyout', (& $at 'ca.key'), '-out', (& $at 'ca.pem')),
        @('x509', '-in', (& $at 'ca.pem'), '-outform', 'der', '-out', (& $at 'ca.der')),
        @('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', (& $at 'key.pem'), '-out', (& $at 'server.csr')),
        @('x509', '-req', '-in', (& $at 'server.csr'), '-CA', (& $at 'ca.pem'), '-CAkey', (& $at 'ca.key'), '-CAcreateserial', '-days', '1',
            '-extfile', (& $at 'server.ext'), '-out', (& $at 'cert.pem')))
    foreach ($step in $steps) {
        $run = Invoke-StackTool $openssl $step
        if ($run.ExitCode -ne 0) { throw "openssl $($step[0]) failed: $($run.Error)" }
    }
    $Directory
}

function New-TestCredentialHelper {
    <# docker-credential-<Name> in $Directory: tests/support/credential_helper.c, which keeps its
       logins in store.json beside itself and each call in calls.log. On the Windows leg both
       builds go there: the .exe for PowerShell's repeat check, the Linux one for the real
       docker CLI behind the relaying docker.exe (the broker copies it, keeping its mode). #>
    param([Parameter(Mandatory)] [string] $Directory, [Parameter(Mandatory)] [string] $Name)
    $null = New-Item -ItemType Directory -Force -Path $Directory
    $suffix = ''
    if ($script:OnWindows) { $suffix = '.exe' }
    Copy-Item -LiteralPath (Get-TestProgram 'credential_helper') -Destination (Join-Path $Directory "docker-credential-$Name$suffix")
    if ($script:Broker) {
        $linux = (ConvertTo-StackPath $env:ECRAUTH_TEST_WINDOWS_BIN) + '/credential_helper'
        $run = Invoke-StackTool '/bin/cp' @('-p', $linux, (ConvertTo-StackPath (Join-Path $Directory "docker-credential-$Name")))
        if ($run.ExitCode -ne 0) { throw "copying the Linux credential helper failed: $($run.Error)" }
    }
    elseif (-not $script:OnWindows) { & chmod +x (Join-Path $Directory "docker-credential-$Name") }
}

function Get-TestProgramFlag {
    <# The compiler flags of the C test programs (build.ps1 builds the Windows leg's with them too). #>
    param([switch] $Windows)
    $flags = @('-std=c99', '-O1', '-Wall', '-Wextra', '-Werror')
    if ($Windows) { $flags += @('-static') }
    $flags
}

function New-FakeClient {
    <# A program named $Name in $Directory that records its arguments and standard input (for
       clients that cannot be installed here) and answers like a successful login: a shell
       script on Linux and macOS, tests/windows/fake_client.c's exe on Windows. StdinBytesFile
       holds the last run's standard input byte for byte. -FailMatch: when its arguments hold
       that text, it writes -FailMessage to stderr and exits 1. -SleepMs: it hangs that long,
       in a child process whose id ChildrenFile records.
       -Relay (Windows leg): the exe hands each call to this Linux program through the broker
       (the real docker CLI), after recording it. #>
    param([Parameter(Mandatory)] [string] $Directory, [Parameter(Mandatory)] [string] $Name, [int] $ExitCode = 0,
        [string] $FailMatch, [string] $FailMessage, [int] $SleepMs = 0, [string] $Relay)
    $null = New-Item -ItemType Directory -Force -Path $Directory
    $record = Join-Path $Directory "$Name.calls"
    $files = [ordered]@{ ArgsFile = "$record.args"; StdinFile = "$record.stdin"; LogFile = "$record.log"; StdinBytesFile = "$record.stdin.bin"; CmdlineFile = "$record.cmdline"; ChildrenFile = "$record.children" }
    if ($script:OnWindows) {
        $path = Join-Path $Directory "$Name.exe"
        Copy-Item -LiteralPath (Get-TestProgram 'fake_client') -Destination $path -Force
        $settings = @("exit=$ExitCode")
        if ($FailMatch) { $settings += @("fail_match=$FailMatch", "fail_stderr=$FailMessage") }
        if ($SleepMs) { $settings += @("sleep_ms=$SleepMs", "child_sleep_ms=$SleepMs") }
        if ($Relay) { $settings += @("relay=$(([uri]$script:Broker).Authority)", "relay_program=$Relay") }
        [System.IO.File]::WriteAllText((Join-Path $Directory "$Name.fake"), ($settings -join "`n") + "`n")
        return [pscustomobject](@{ Path = $path } + $files)
    }
    $path = Join-Path $Directory $Name
    $fail = ''
    if ($FailMatch) { $fail = "case `"`$*`" in *'$FailMatch'*) echo '$($FailMessage.Replace("'", "'\''"))' >&2; exit 1 ;; esac" }
    $sleep = ''
    # The sleep is a child process, its id recorded: a stopped client's children must stop too.
    if ($SleepMs) { $sleep = "sleep $($SleepMs / 1000) & echo `$! >> '$record.children'; wait" }
    @"
#!/bin/sh
raw='$record.stdin.'`$`$
cat > "`$raw"
input=`$(cat "`$raw")
# One write per file per run (atomic appends), and one combined line for concurrent runs.
printf '%s\n' "`$*" >> '$record.args'
printf '%s\n' "`$input" >> '$record.stdin'
printf '%s|%s\n' "`$*" "`$input" >> '$record.log'
printf '%s %s\n' '$path' "`$*" >> '$record.cmdline'
mv -f "`$raw" '$record.stdin.bin'
$fail
$sleep
echo 'Login Succeeded'
exit $ExitCode
"@ | Set-Content -LiteralPath $path -Encoding ascii
    & chmod +x $path
    [pscustomobject](@{ Path = $path } + $files)
}

function Invoke-WithCommandLineWatch {
    <# Runs $Script while another runspace records every process command line it sees in
       /proc/*/cmdline (on the Windows leg the broker does, which sees the Wine processes too;
       on real Windows, Win32_Process). Returns the script's output and the command lines. #>
    param([Parameter(Mandatory)] [scriptblock] $Script)
    if ($script:Broker) {
        $watch = Invoke-Broker '/watch/start'
        try {
            Start-Sleep -Milliseconds 100
            $output = & $Script
        }
        finally { $lines = @((Invoke-Broker '/watch/stop' @{ id = $watch.id }).lines) }
        return [pscustomobject]@{ Output = $output; CommandLines = $lines }
    }
    $seen = New-Object 'System.Collections.Concurrent.ConcurrentDictionary[string,byte]'
    $state = [hashtable]::Synchronized(@{ Stop = $false })
    $watcher = [powershell]::Create()
    $null = $watcher.AddScript({
            param($seen, $state, $onWindows)
            while (-not $state.Stop) {
                if ($onWindows) {
                    foreach ($process in Get-CimInstance -ClassName Win32_Process -Property CommandLine) {
                        if ($process.CommandLine) { $null = $seen.TryAdd($process.CommandLine, 0) }
                    }
                    continue
                }
                foreach ($dir in [System.IO.Directory]::GetDirectories('/proc')) {
                    try { $bytes = [System.IO.File]::ReadAllBytes("$dir/cmdline") } catch { continue }
                    if ($bytes.Length) { $null = $seen.TryAdd([Text.Encoding]::UTF8.GetString($bytes).Replace([char]0, ' '), 0) }
                }
            }
        }).AddArgument($seen).AddArgument($state).AddArgument($script:OnWindows)
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
        $objdump = Find-StackCommand 'x86_64-w64-mingw32-objdump' 'install it with: apt-get install binutils-mingw-w64-x86-64'
        # The export table lists "[ordinal] name" lines.
        $dump = @((Invoke-StackTool $objdump @('-p', (ConvertTo-StackPath $Path))).Output -split "`n")
        $exports = @($dump | Where-Object { $_ -match '^\s*\[\s*\d+\]\s+(\S+)$' } | ForEach-Object { $Matches[1] })
        $imports = @($dump | Where-Object { $_ -match '^\s*DLL Name:\s+(\S+)' } | ForEach-Object { $Matches[1].ToLowerInvariant() })
    }
    elseif ($bytes[0] -eq 0x7F -and $bytes[1] -eq 0x45 -and $bytes[2] -eq 0x4C -and $bytes[3] -eq 0x46) {
        $format = if ($bytes[4] -eq 2) { 'ELF64' } else { 'ELF32' }
        $machine = $machines[[int][BitConverter]::ToUInt16($bytes, 0x12)]
        $readelf = Find-StackCommand 'readelf' 'install it with: apt-get install binutils'
        # Defined global functions of the dynamic symbol table.
        $exports = @((Invoke-StackTool $readelf @('--dyn-syms', '-W', (ConvertTo-StackPath $Path))).Output -split "`n" | ForEach-Object {
                $fields = -split $_
                if ($fields.Count -ge 8 -and $fields[3] -eq 'FUNC' -and $fields[4] -eq 'GLOBAL' -and $fields[6] -ne 'UND') { $fields[7] -replace '@.*$', '' }
            })
        $imports = @((Invoke-StackTool $readelf @('-d', '-W', (ConvertTo-StackPath $Path))).Output -split "`n" | Where-Object { $_ -match '\(NEEDED\).*\[(.+)\]' } | ForEach-Object { $Matches[1] })
    }
    else { throw "$Path is neither a PE nor an ELF file" }
    [pscustomobject]@{ Path = $Path; Format = $format; Machine = $machine; Exports = $exports; Imports = $imports; Size = $bytes.Length }
}

function Get-BoundNativeFunction {
    <# The native functions the module binds (EcrAuth.dll's P/Invoke declarations,
       module/EcrAuth.Commands/Native/NativeMethods.cs). Throws if it finds too few to be the
       real list, so no caller checks an empty one. #>
    $native = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'module/EcrAuth.Commands/Native/NativeMethods.cs'
    $names = @([regex]::Matches([System.IO.File]::ReadAllText($native), 'static extern \w+ (ecr_auth_\w+)\(') | ForEach-Object { $_.Groups[1].Value })
    if ($names.Count -lt 10) { throw "Found only $($names.Count) bound functions in $native; did its signature list change shape?" }
    $names
}

# Wine 10 (../shared/tools/bin/wine10: a Debian 13 folder it builds on first use) runs every
# Windows program here: the C programs, the Rust test executables (a cargo runner) and, through
# pwsh-windows, PowerShell for Windows. Debian 12's Wine 8 lacked ProcessPrng and cannot run .NET 8+.
function Get-WineCommand {
    $onPath = Get-Command 'wine10' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) { return $onPath.Source }
    $tools = Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'shared/tools/bin/wine10'
    if (-not (Test-Path -LiteralPath $tools)) { throw "Wine 10 is missing: wine10 is neither on PATH nor at $tools (../shared/tools/bin)" }
    $tools
}

function Get-WineEnvironment {
    <# The variables of a wine10 run in a private Windows profile (Wine prefix) $Prefix, created
       on first use, with the caller's standard streams (no pseudo-terminal: right for test
       programs, not for pwsh). wine10 itself keeps the host's CA settings from the Windows
       process. $null means unset. #>
    param([Parameter(Mandatory)] [string] $Prefix)
    @{ WINE10_PREFIX = $Prefix; WINE10_CONSOLE = '0' }
}

Export-ModuleMember -Function Set-EnvironmentValue, Start-Moto, Publish-TestManifest, Get-NativeLibraryFact, Get-BoundNativeFunction, Get-WineCommand, Get-WineEnvironment,
    Get-RequiredCommand, Test-WindowsLeg, Invoke-Broker, ConvertTo-StackPath, Find-StackCommand, Invoke-StackTool, Get-TestPwsh,
    Get-TestProgram, Get-TestProgramFlag, New-TestCertificate, New-TestCredentialHelper, Start-MockSso, Test-ProcessAlive, Get-FreeTcpPort, New-TestDirectory, Start-TestRegistry, Start-MockEcr,
    Get-MockEcrRequest, Stop-TestProcess, New-FakeClient, Invoke-WithCommandLineWatch, Use-IsolatedAwsEnvironment,
    Restore-Environment
