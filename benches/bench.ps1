<#
.SYNOPSIS
EcrAuth's benchmarks, against its peers in the same run, on a local stack (127.0.0.1 only).

.DESCRIPTION
Starts Debian's docker-registry (htpasswd) and the mock ECR endpoint (tests/support), then
measures, printing medians and ratios:
  - Import-Module EcrAuth in fresh processes (Stopwatch around the import), next to a
    one-function script module and an empty manifest module: after PSReadLine (loaded in every
    interactive pwsh before $PROFILE runs), after an empty manifest module, and inside a real
    interactive pwsh's $PROFILE;
  - a new pwsh that imports EcrAuth and logs in (-Force), the same while the login is valid,
    and a bare `pwsh -NoProfile -c exit`, whole processes interleaved in the same run;
  - a login in a warm shell: Auth-ECR (first call, repeated calls) vs `docker login` alone
    vs `aws ecr get-login-password | docker login` (AWS CLI from .venv or PATH, if present);
  - fetch+decode alone through the C ABI (benches/fetch_bench.c) vs `aws ecr get-login-password`;
  - a repeat Auth-ECR while the previous login is valid (ECR requests and client runs counted);
  - the $PROFILE path: a new interactive pwsh whose profile runs the README's two lines
    (Import-Module EcrAuth; Auth-ECR -ProfileName dev) while the login is valid, timed in-process
    (Stopwatch around the two lines) and as the whole shell's start, against the same shell
    whose profile lacks the two lines; and which modules the two lines loaded;
  - 5 registries vs 1 (the library fetches them concurrently);
  - docker-credential-ecrauth get as docker runs it, cached and fetching, next to docker login
    and the AWS CLI;
  - the stripped release library's size.
Run `pwsh ./build.ps1 Build` first. The AWS CLI is optional: `.venv/bin/pip install awscli`.

.PARAMETER Iterations
Repetitions per measurement (processes for the import benchmark).

.PARAMETER Only
Run only these measurements (Import, NewShell, Profile, Login, Repeat, Registries, Fetch, Helper); default: all.

.PARAMETER ModulePath
The EcrAuth module folder to measure (default: module/EcrAuth), e.g. an older version's copy
for before/after figures; it needs the staged native library.

.PARAMETER CleanBuild
Also time a clean `cargo build --release` in a temporary target folder (about 5 minutes on 2 cores).

.PARAMETER ThisEngineOnly
Skip the second pass on pwsh-il (IL-only), which a run on a ReadyToRun pwsh otherwise adds.
#>
[CmdletBinding()]
param(
    [int] $Iterations = 20,
    [switch] $CleanBuild,
    # Measure only on this PowerShell: without it, a run on the ReadyToRun pwsh also prints the
    # same rows measured on ../shared/tools/bin/pwsh-il (IL-only), the engine's share made visible.
    [switch] $ThisEngineOnly,
    # From bash, `-Only Login,Repeat` arrives as one word: split on commas below.
    [string[]] $Only,
    [string] $ModulePath = (Join-Path (Split-Path -Parent $PSScriptRoot) 'module/EcrAuth')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = Split-Path -Parent $PSScriptRoot
$Only = @($Only -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($name in $Only) {
    if ('Import', 'NewShell', 'Profile', 'Login', 'Repeat', 'Registries', 'Fetch', 'Helper' -notcontains $name) { throw "Unknown measurement '$name'; expected Import, NewShell, Profile, Login, Repeat, Registries, Fetch or Helper." }
}
Import-Module (Join-Path $Root 'tests/support/EcrTestStack.psm1') -Force
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$Pwsh = Get-TestPwsh
$Rows = New-Object System.Collections.Generic.List[object]

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

function Add-Row([string] $Name, [double[]] $Milliseconds, [string] $Peer, [string] $Note = '') {
    $median = Get-Median $Milliseconds
    $Rows.Add([pscustomobject]@{ Measurement = $Name; MedianMs = [math]::Round($median, 2); N = $Milliseconds.Count; Peer = $Peer; Note = $Note })
    Write-Host ("{0,-58} {1,9:N2} ms (n={2})" -f $Name, $median, $Milliseconds.Count)
}

function Get-RowMillisecond([string] $Name) {
    $row = $Rows | Where-Object Measurement -eq $Name | Select-Object -First 1
    if ($row) { $row.MedianMs } else { $null }
}

function Measure-Import {
    # Import-Module EcrAuth next to the cheapest script module (one function) and an empty
    # manifest module, each sample in a fresh pwsh, a Stopwatch around Import-Module alone:
    #  - after PSReadLine, which an interactive pwsh has loaded when $PROFILE runs (the target's setting);
    #  - after an empty manifest module, which leaves PowerShell's script-module path cold;
    #  - inside a real interactive pwsh's $PROFILE, through util-linux `script` (Linux only:
    #    macOS's BSD `script` takes other arguments).
    $dir = New-TestDirectory
    foreach ($name in 'WarmUpModule', 'EmptyManifestModule') {
        $null = New-Item -ItemType Directory -Path (Join-Path $dir $name)
        New-ModuleManifest -Path (Join-Path $dir "$name/$name.psd1") -ModuleVersion 1.0.0
    }
    $null = New-Item -ItemType Directory -Path (Join-Path $dir 'OneFunctionModule')
    New-ModuleManifest -Path (Join-Path $dir 'OneFunctionModule/OneFunctionModule.psd1') -ModuleVersion 1.0.0 `
        -RootModule OneFunctionModule.psm1 -FunctionsToExport Get-Greeting -CmdletsToExport @() -VariablesToExport @() -AliasesToExport @()
    Set-Content -LiteralPath (Join-Path $dir 'OneFunctionModule/OneFunctionModule.psm1') -Value 'function Get-Greeting { param([string] $Name) "Hello, $Name" }'
    $cases = [ordered]@{ 'EcrAuth' = $ModulePath; 'one-function script module' = "$dir/OneFunctionModule"; 'empty manifest module' = "$dir/EmptyManifestModule" }
    $settings = [ordered]@{ 'after PSReadLine' = 'PSReadLine'; 'after an empty manifest module' = "$dir/WarmUpModule" }
    try {
        foreach ($setting in $settings.Keys) {
            foreach ($case in $cases.Keys) {
                $script = "Import-Module '$($settings[$setting])'; `$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$($cases[$case])'; `$w.Stop(); `$w.Elapsed.TotalMilliseconds"
                $times = foreach ($i in 1..$Iterations) { [double](& $Pwsh -NoProfile -NonInteractive -Command $script) }
                $peer = if ($case -eq 'EcrAuth') { "Import-Module one-function script module ($setting)" } else { '' }
                Add-Row "Import-Module $case ($setting)" $times $peer 'fresh pwsh per sample'
            }
        }
        Measure-ProfileImport $cases $dir
    }
    finally { Remove-Item -LiteralPath $dir -Recurse -Force }
}

function Measure-ProfileImport([System.Collections.IDictionary] $Cases, [string] $Directory) {
    # A real interactive pwsh (a pseudo-terminal from `script`) whose profile times the import,
    # appends it to a file and exits at once. HOME/XDG_CONFIG_HOME point at a temp profile folder.
    $scriptCommand = Get-Command script -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $IsLinux -or -not $scriptCommand) { Write-Host 'Skipping the interactive $PROFILE setting: needs Linux and util-linux `script`.'; return }
    $profileHome = Join-Path $Directory 'home'
    $profileDir = Join-Path $profileHome '.config/powershell'
    $null = New-Item -ItemType Directory -Force -Path $profileDir
    $results = Join-Path $Directory 'profile-times.txt'
    $saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }
    $env:HOME = $profileHome; $env:XDG_CONFIG_HOME = Join-Path $profileHome '.config'
    try {
        foreach ($case in $Cases.Keys) {
            Remove-Item -LiteralPath $results -ErrorAction SilentlyContinue
            Set-Content -LiteralPath (Join-Path $profileDir 'Microsoft.PowerShell_profile.ps1') -Value @"
`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$($Cases[$case])'; `$w.Stop()
[IO.File]::AppendAllText('$results', [string]`$w.Elapsed.TotalMilliseconds + "``n")
[Environment]::Exit(0)
"@
            foreach ($i in 1..$Iterations) { $null = & $scriptCommand.Source -qec "'$Pwsh' -NoLogo" /dev/null }
            $times = @(Get-Content -LiteralPath $results | ForEach-Object { [double]$_ })
            $peer = if ($case -eq 'EcrAuth') { 'Import-Module one-function script module (in an interactive $PROFILE)' } else { '' }
            Add-Row "Import-Module $case (in an interactive `$PROFILE)" $times $peer 'fresh interactive pwsh per sample'
        }
    }
    finally { $env:HOME = $saved.HOME; $env:XDG_CONFIG_HOME = $saved.XDG_CONFIG_HOME }
}

function Measure-Profile($Stack) {
    # The README's $PROFILE recipe in a real interactive pwsh (a pseudo-terminal from util-linux
    # `script`), the login still valid: `Import-Module EcrAuth` by name (from PSModulePath) and
    # `Auth-ECR -ProfileName dev`. Timed in-process (a Stopwatch around the two lines) and as the
    # whole shell's start (the bench's Stopwatch around `script`), against the same shell whose
    # profile lacks the two lines. The endpoint comes from AWS_ENDPOINT_URL_ECR, so the line is
    # the README's own.
    $scriptCommand = Get-Command script -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $IsLinux -or -not $scriptCommand) { Write-Host 'Skipping the $PROFILE path: needs Linux and util-linux `script`.'; return }
    $dir = Join-Path $Stack.Directory ('profile-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $profileHome = Join-Path $dir 'home'
    $profileDir = Join-Path $profileHome '.config/powershell'
    $null = New-Item -ItemType Directory -Force -Path $profileDir
    $aws = Join-Path $dir 'aws'
    $null = New-Item -ItemType Directory -Path $aws
    Set-Content -LiteralPath (Join-Path $aws 'config') -Value "[profile dev]`nregion = us-east-1`n"
    Set-Content -LiteralPath (Join-Path $aws 'credentials') -Value "[dev]`naws_access_key_id = AKIAIOSFODNN7EXAMPLE`naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`n"
    $results = Join-Path $dir 'times.txt'
    $names = 'HOME', 'XDG_CONFIG_HOME', 'PSModulePath', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL_ECR', 'ECRAUTH_STATE_DIR', 'DOCKER_CONFIG'
    $saved = @{}
    foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    try {
        $env:PSModulePath = (Split-Path -Parent $ModulePath) + [IO.Path]::PathSeparator + $env:PSModulePath
        $env:AWS_CONFIG_FILE = Join-Path $aws 'config'
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $aws 'credentials'
        $env:AWS_ENDPOINT_URL_ECR = $Stack.Ecr.Uri
        $env:ECRAUTH_STATE_DIR = Join-Path $dir 'state'
        $env:DOCKER_CONFIG = Join-Path $dir 'docker'
        # The first login (not measured), in a shell of its own.
        & $Pwsh -NoProfile -NonInteractive -Command 'Import-Module EcrAuth; Auth-ECR -ProfileName dev 6>$null'
        if ($LASTEXITCODE) { throw 'the first login for the $PROFILE measurement failed' }
        $before = @(Get-MockEcrRequest $Stack.Ecr).Count
        $env:HOME = $profileHome; $env:XDG_CONFIG_HOME = Join-Path $profileHome '.config'
        $cases = [ordered]@{
            'with the README''s two lines' = "Import-Module EcrAuth`nAuth-ECR -ProfileName dev"
            'without them' = ''
        }
        $shells = @{}
        foreach ($case in $cases.Keys) {
            Remove-Item -LiteralPath $results -ErrorAction SilentlyContinue
            Set-Content -LiteralPath (Join-Path $profileDir 'Microsoft.PowerShell_profile.ps1') -Value @"
`$jit = [System.Runtime.JitInfo]::GetCompilationTime(`$true)
`$w = [Diagnostics.Stopwatch]::StartNew()
$($cases[$case])
`$w.Stop()
`$jit = ([System.Runtime.JitInfo]::GetCompilationTime(`$true) - `$jit).TotalMilliseconds
`$loaded = @('Microsoft.PowerShell.Utility', 'Microsoft.PowerShell.Management', 'Microsoft.PowerShell.Security' | Where-Object { Get-Module `$_ }) -join '+'
[IO.File]::AppendAllText('$results', [string]`$w.Elapsed.TotalMilliseconds + ' ' + [string]`$jit + ' ' + `$loaded + "``n")
[Environment]::Exit(0)
"@
            $shells[$case] = foreach ($i in 1..$Iterations) {
                $w = [Diagnostics.Stopwatch]::StartNew()
                $null = & $scriptCommand.Source -qec "'$Pwsh' -NoLogo" /dev/null
                $w.Elapsed.TotalMilliseconds
            }
            $lines = @(Get-Content -LiteralPath $results)
            if ($cases[$case]) {
                $loaded = @($lines | ForEach-Object { ($_ -split ' ', 3)[2] } | Where-Object { $_ } | Select-Object -Unique)
                $note = if ($loaded) { "loaded $($loaded -join ', ')" } else { 'no Utility/Management/Security module loaded' }
                # The JIT share: what an engine precompiled (ReadyToRun installer builds, NGEN'd 5.1) would not pay.
                $jit = Get-Median @($lines | ForEach-Object { [double]($_ -split ' ')[1] })
                Add-Row 'Import-Module EcrAuth; Auth-ECR (login valid), in $PROFILE' @($lines | ForEach-Object { [double]($_ -split ' ')[0] }) '' ("in-process; of it, JIT on this thread {0:N0} ms; $note" -f $jit)
            }
        }
        $requests = @(Get-MockEcrRequest $Stack.Ecr).Count - $before
        Add-Row 'New interactive pwsh, $PROFILE with the two lines' $shells['with the README''s two lines'] 'New interactive pwsh, $PROFILE without them' "wall clock to exit; $requests ECR requests"
        Add-Row 'New interactive pwsh, $PROFILE without them' $shells['without them'] '' 'wall clock to exit'
    }
    finally {
        foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Measure-NewShell($Stack) {
    # Whole processes, wall clock: a new pwsh that imports EcrAuth and logs in (-Force: a fetch
    # and a docker login), the same while the login is valid (the $PROFILE case), and a bare
    # `pwsh -NoProfile -c exit` in the same run as their peer. The keys go over in the
    # environment, as the AWS SDK reads them; the bench's own fake keys are on this command line only.
    $state = Join-Path $Stack.Directory 'newshell-state'
    $saved = $env:ECRAUTH_STATE_DIR
    $env:ECRAUTH_STATE_DIR = $state
    try {
        $login = "Import-Module '$ModulePath'; Auth-ECR AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY -EndpointUrl '$($Stack.Ecr.Uri)'"
        & $Pwsh -NoProfile -NonInteractive -Command "$login -Force 6>`$null"
        if ($LASTEXITCODE) { throw 'the first login for the new-shell measurement failed' }
        # What any module costs a new shell: the first import and command of a process.
        $one = Join-Path $Stack.Directory 'NewShellOneFunction'
        $null = New-Item -ItemType Directory -Force -Path $one
        Set-Content -LiteralPath (Join-Path $one 'NewShellOneFunction.psm1') -Value 'function Get-Greeting { param([string] $Name) "Hello, $Name" }'
        New-ModuleManifest -Path (Join-Path $one 'NewShellOneFunction.psd1') -RootModule NewShellOneFunction.psm1 -FunctionsToExport Get-Greeting -CmdletsToExport @() -VariablesToExport @() -AliasesToExport @()
        $cases = [ordered]@{
            'New pwsh: Import-Module EcrAuth; Auth-ECR key secret -Force' = "$login -Force 6>`$null"
            'New pwsh: Import-Module EcrAuth; Auth-ECR key secret (login valid)' = "$login 6>`$null"
            'New pwsh: Import-Module a one-function script module; call it' = "Import-Module '$one'; `$null = Get-Greeting x"
            'pwsh -NoProfile -c exit' = 'exit'
        }
        $times = @{}
        foreach ($case in $cases.Keys) { $times[$case] = [System.Collections.Generic.List[double]]::new() }
        # Interleaved, so that a busy moment of the machine falls on every case alike.
        foreach ($i in 1..$Iterations) {
            foreach ($case in $cases.Keys) {
                $w = [Diagnostics.Stopwatch]::StartNew()
                & $Pwsh -NoProfile -NonInteractive -Command $cases[$case]
                $w.Stop()
                if ($LASTEXITCODE) { throw "$case failed" }
                $times[$case].Add($w.Elapsed.TotalMilliseconds)
            }
        }
        foreach ($case in $cases.Keys) {
            $peer = if ($case -ne 'pwsh -NoProfile -c exit') { 'pwsh -NoProfile -c exit' } else { '' }
            Add-Row $case $times[$case] $peer 'wall clock, whole process'
        }
    }
    finally { $env:ECRAUTH_STATE_DIR = $saved }
}

function Measure-Helper($Stack) {
    # docker-credential-ecrauth, as docker starts it: a whole process per `get`, the server URL on
    # stdin. Cached (the token in the user's secret store) and uncached (`erase` first, so each
    # get fetches), next to `docker login` and the AWS CLI in the same run.
    $file = if ($IsWindows) { 'docker-credential-ecrauth.exe' } else { 'docker-credential-ecrauth' }
    $rid = if ($IsWindows) { 'win-x64' } else { 'linux-x64' }
    $helper = Join-Path $ModulePath "$rid/$file"
    if (-not (Test-Path -LiteralPath $helper)) { Write-Host "Skipping the helper: $helper is not built (pwsh ./build.ps1 Build)."; return }
    $names = 'ECRAUTH_HELPER_CONFIG', 'ECRAUTH_HELPER_CACHE_DIR', 'AWS_ENDPOINT_URL_ECR', 'AWS_REGION'
    $saved = @{}
    foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    try {
        $env:ECRAUTH_HELPER_CONFIG = Join-Path $Stack.Directory 'bench-helper.json'
        $env:ECRAUTH_HELPER_CACHE_DIR = Join-Path $Stack.Directory 'bench-helper-cache'
        $env:AWS_ENDPOINT_URL_ECR = $Stack.Ecr.Uri
        $env:AWS_REGION = 'us-east-1'
        Set-Content -LiteralPath $env:ECRAUTH_HELPER_CONFIG -Value ('{"version":1,"registries":{"' + $Stack.Registry.Host + '":{}}}')
        $hostName = $Stack.Registry.Host
        $cached = [Collections.Generic.List[double]]::new(); $uncached = [Collections.Generic.List[double]]::new()
        $null = $hostName | & $helper get
        foreach ($i in 1..$Iterations) {
            $w = [Diagnostics.Stopwatch]::StartNew(); $null = $hostName | & $helper get; $cached.Add($w.Elapsed.TotalMilliseconds)
            $null = $hostName | & $helper erase
            $w = [Diagnostics.Stopwatch]::StartNew(); $null = $hostName | & $helper get; $uncached.Add($w.Elapsed.TotalMilliseconds)
            if ($LASTEXITCODE) { throw 'the helper failed' }
        }
        Add-Row 'docker-credential-ecrauth get, token cached' $cached 'docker login alone (password on stdin)' 'whole process, server URL on stdin'
        Add-Row 'docker-credential-ecrauth get, fetching (after erase)' $uncached 'docker login alone (password on stdin)' 'whole process, one GetAuthorizationToken'
        foreach ($name in 'docker-credential-ecrauth get, token cached', 'docker-credential-ecrauth get, fetching (after erase)') {
            $row = $Rows | Where-Object Measurement -eq $name
            if (Get-RowMillisecond 'aws ecr get-login-password') { $row.Note += ('; vs aws ecr get-login-password: {0:N3}x' -f ($row.MedianMs / (Get-RowMillisecond 'aws ecr get-login-password'))) }
        }
    }
    finally { foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
}

function Measure-Login($Stack) {
    $aws = @((Join-Path $Root '.venv/bin/aws'), (Get-Command aws -CommandType Application -ErrorAction SilentlyContinue | Select-Object -ExpandProperty Source -First 1)) |
        Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$key = 'AKIAIOSFODNN7EXAMPLE'; `$secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
`$first = [Diagnostics.Stopwatch]::StartNew(); Auth-ECR `$key `$secret -EndpointUrl '$($Stack.Ecr.Uri)' -Force 6>`$null; `$first.Stop()
# Interleaved (one Auth-ECR, one docker login), so that a busy moment falls on both alike.
`$warm = [Collections.Generic.List[double]]::new()
`$docker = foreach (`$i in 1..$Iterations) {
    `$w = [Diagnostics.Stopwatch]::StartNew(); Auth-ECR `$key `$secret -EndpointUrl '$($Stack.Ecr.Uri)' -Force 6>`$null; `$warm.Add(`$w.Elapsed.TotalMilliseconds)
    `$w = [Diagnostics.Stopwatch]::StartNew()
    `$p = New-Object Diagnostics.Process
    `$p.StartInfo.FileName = 'docker'; `$p.StartInfo.Arguments = 'login --username AWS --password-stdin $($Stack.Registry.Host)'
    `$p.StartInfo.UseShellExecute = `$false; `$p.StartInfo.RedirectStandardInput = `$true; `$p.StartInfo.RedirectStandardOutput = `$true; `$p.StartInfo.RedirectStandardError = `$true
    `$null = `$p.Start(); `$p.StandardInput.Write('$($Stack.Password)'); `$p.StandardInput.Close()
    `$null = `$p.StandardOutput.ReadToEnd(); `$null = `$p.StandardError.ReadToEnd(); `$p.WaitForExit()
    if (`$p.ExitCode) { throw 'docker login failed' }
    `$w.Elapsed.TotalMilliseconds
}
`$cli = @()
if ('$aws') {
    `$cli = foreach (`$i in 1..$Iterations) {
        `$w = [Diagnostics.Stopwatch]::StartNew()
        & bash -c "'$aws' ecr get-login-password --region us-east-1 --endpoint-url '$($Stack.Ecr.Uri)' | docker login --username AWS --password-stdin '$($Stack.Registry.Host)' >/dev/null 2>&1"
        if (`$LASTEXITCODE) { throw 'AWS CLI pipeline failed' }
        `$w.Elapsed.TotalMilliseconds
    }
}
@{ First = `$first.Elapsed.TotalMilliseconds; Warm = `$warm; Docker = `$docker; Cli = `$cli } | ConvertTo-Json -Compress
"@
    $result = (& $Pwsh -NoProfile -NonInteractive -Command $script | Select-Object -Last 1) | ConvertFrom-Json
    Add-Row 'Auth-ECR, first call in a shell (binds the library)' @($result.First) 'docker login alone (password on stdin)'
    Add-Row 'Auth-ECR, repeated in a warm shell (-Force)' $result.Warm 'docker login alone (password on stdin)'
    Add-Row 'docker login alone (password on stdin)' $result.Docker ''
    if (@($result.Cli).Count) {
        Add-Row 'aws ecr get-login-password | docker login' $result.Cli ''
        foreach ($name in 'Auth-ECR, first call in a shell (binds the library)', 'Auth-ECR, repeated in a warm shell (-Force)') {
            $row = $Rows | Where-Object Measurement -eq $name
            $row.Note = 'vs AWS CLI pipeline: {0:N3}x' -f ($row.MedianMs / (Get-RowMillisecond 'aws ecr get-login-password | docker login'))
        }
    }
    else { Write-Host 'AWS CLI not found (.venv/bin/pip install awscli): pipeline skipped' }
}

function Measure-Repeat($Stack) {
    $state = Join-Path $Stack.Directory 'bench-state'
    $script = @"
`$ErrorActionPreference = 'Stop'
`$env:ECRAUTH_STATE_DIR = '$state'
Import-Module '$ModulePath'
Auth-ECR AKIAIOSFODNN7EXAMPLE 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' -EndpointUrl '$($Stack.Ecr.Uri)' 6>`$null
`$before = @(Get-Content '$($Stack.Ecr.Log)').Count
`$dockerRuns = 0
`$times = foreach (`$i in 1..$Iterations) {
    `$w = [Diagnostics.Stopwatch]::StartNew()
    `$said = Auth-ECR AKIAIOSFODNN7EXAMPLE 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' -EndpointUrl '$($Stack.Ecr.Uri)' -Verbose 4>&1 6>&1
    `$w.Stop()
    if ("`$said" -notmatch 'Already logged in') { `$dockerRuns++ }
    `$w.Elapsed.TotalMilliseconds
}
@{ Times = `$times; Requests = @(Get-Content '$($Stack.Ecr.Log)').Count - `$before; ClientRuns = `$dockerRuns } | ConvertTo-Json -Compress
"@
    $result = (& $Pwsh -NoProfile -NonInteractive -Command $script | Select-Object -Last 1) | ConvertFrom-Json
    Add-Row 'Auth-ECR repeat while the login is valid' $result.Times '' ("{0} ECR requests, {1} client runs" -f $result.Requests, $result.ClientRuns)
}

function Measure-Registry($Stack) {
    $perRegistry = Start-MockEcr -ProxyEndpoint "http://$($Stack.Registry.Host)" -Password 'bench' -PerRegistry
    try {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$ids = '100000000001', '100000000002', '100000000003', '100000000004', '100000000005'
`$null = Get-EcrLoginPassword AKIDWARMUP secret -RegistryId `$ids[0] -EndpointUrl '$($perRegistry.Uri)'
function Measure-Ids([string[]] `$Ids) {
    foreach (`$i in 1..$Iterations) {
        # A new key id each time: the library must not serve these from its token cache.
        `$w = [Diagnostics.Stopwatch]::StartNew()
        `$passwords = @(Get-EcrLoginPassword "AKIDBENCH`$(`$Ids.Count)X`$i" secret -RegistryId `$Ids -EndpointUrl '$($perRegistry.Uri)')
        `$w.Stop()
        if (`$passwords.Count -ne `$Ids.Count) { throw 'wrong number of logins' }
        `$w.Elapsed.TotalMilliseconds
    }
}
@{ One = @(Measure-Ids `$ids[0]); Five = @(Measure-Ids `$ids) } | ConvertTo-Json -Compress
"@
        $result = (& $Pwsh -NoProfile -NonInteractive -Command $script | Select-Object -Last 1) | ConvertFrom-Json
        Add-Row 'Get-EcrLoginPassword, 1 registry' $result.One ''
        Add-Row 'Get-EcrLoginPassword, 5 registries (concurrent)' $result.Five 'Get-EcrLoginPassword, 1 registry'
    }
    finally { Stop-TestProcess $perRegistry }
}

function Measure-Fetch($Stack) {
    $lib = Join-Path $ModulePath 'linux-x64'
    $exe = Join-Path $Stack.Directory 'fetch_bench'
    & cc -O2 -std=c99 -o $exe (Join-Path $PSScriptRoot 'fetch_bench.c') "-I$Root/include" "-L$lib" "-Wl,-rpath,$lib" -lecr_auth
    if ($LASTEXITCODE) { throw 'compiling benches/fetch_bench.c failed' }
    $result = & $exe $Stack.Ecr.Uri $Iterations | ConvertFrom-Json
    Add-Row 'C ABI fetch+decode, first call in a process' @($result.first_ms) 'aws ecr get-login-password'
    Add-Row 'C ABI fetch+decode, warm' $result.warm_ms 'aws ecr get-login-password'
    $aws = Join-Path $Root '.venv/bin/aws'
    if (Test-Path $aws) {
        $times = foreach ($i in 1..$Iterations) {
            $w = [Diagnostics.Stopwatch]::StartNew()
            $null = & $aws ecr get-login-password --region us-east-1 --endpoint-url $Stack.Ecr.Uri
            $w.Elapsed.TotalMilliseconds
        }
        Add-Row 'aws ecr get-login-password' $times ''
    }
}

$work = New-TestDirectory
$previous = Use-IsolatedAwsEnvironment -Directory $work
$env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'; $env:AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
$env:DOCKER_CONFIG = Join-Path $work 'docker'
$stack = [pscustomobject]@{ Password = [guid]::NewGuid().ToString('n'); Registry = $null; Ecr = $null; Directory = $work }
try {
    $stack.Registry = Start-TestRegistry -Password $stack.Password
    $stack.Ecr = Start-MockEcr -ProxyEndpoint "http://$($stack.Registry.Host)" -Password $stack.Password
    if (-not $Only -or $Only -contains 'Import') { Measure-Import }
    if (-not $Only -or $Only -contains 'NewShell') { Measure-NewShell $stack }
    if (-not $Only -or $Only -contains 'Profile') { Measure-Profile $stack }
    if (-not $Only -or $Only -contains 'Login') { Measure-Login $stack }
    if (-not $Only -or $Only -contains 'Repeat') { Measure-Repeat $stack }
    if (-not $Only -or $Only -contains 'Registries') { Measure-Registry $stack }
    if (-not $Only -or $Only -contains 'Fetch') { Measure-Fetch $stack }
    if (-not $Only -or $Only -contains 'Helper') { Measure-Helper $stack }
}
finally {
    Stop-TestProcess $stack.Ecr
    Stop-TestProcess $stack.Registry
    Restore-Environment $previous
    Remove-Item env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}

# Ratios against the peers measured in this same run.
foreach ($row in $Rows) {
    if ($row.Peer -and (Get-RowMillisecond $row.Peer)) { $row | Add-Member Ratio ([math]::Round($row.MedianMs / (Get-RowMillisecond $row.Peer), 3)) }
    else { $row | Add-Member Ratio $null }
}
if ($CleanBuild) {
    $target = New-TestDirectory
    try {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & cargo build --release --locked --quiet --manifest-path (Join-Path $Root 'Cargo.toml') --target-dir $target
        $watch.Stop()
        if ($LASTEXITCODE) { throw 'clean release build failed' }
        Write-Host ("Clean release build: {0:N0} s" -f $watch.Elapsed.TotalSeconds)
    }
    finally { Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue }
}
$library = Get-Item (Join-Path $ModulePath 'linux-x64/libecr_auth.so')
Write-Host ''
Write-Host ("Machine: {0} cores, {1}; {2}" -f [Environment]::ProcessorCount, (Get-Content /proc/cpuinfo | Select-String 'model name' | Select-Object -First 1).Line.Split(':')[1].Trim(), $PSVersionTable.OS)
# Which PowerShell measured: installer builds are precompiled (ReadyToRun), the global tool is not.
$engine = [System.Management.Automation.PSObject].Assembly.Location
$reader = New-Object System.Reflection.PortableExecutable.PEReader([IO.File]::OpenRead($engine))
try { $readyToRun = $reader.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 } finally { $reader.Dispose() }
Write-Host ("PowerShell {0} on .NET {1} ({2}); engine {3}" -f $PSVersionTable.PSVersion, [Environment]::Version, $PSHOME,
    $(if ($readyToRun) { 'precompiled (ReadyToRun)' } else { 'IL only, not ReadyToRun: first uses are JIT-compiled' }))
Write-Host "Module measured: $ModulePath"
Write-Host ("Stripped release library: {0:N0} bytes ({1:N2} MiB)" -f $library.Length, ($library.Length / 1MB))
$Rows | Format-Table Measurement, MedianMs, N, Ratio, Peer, Note -AutoSize | Out-String -Width 200 | Write-Host

# The same rows on the IL-only engine, as a peer of the engine itself (a new process: this one's
# engine cannot change).
$il = Get-Command pwsh-il -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
$ilPath = if ($il) { $il.Source } else { Join-Path $Root '../shared/tools/bin/pwsh-il' }
if ($readyToRun -and -not $ThisEngineOnly -and (Test-Path -LiteralPath $ilPath)) {
    Write-Host "== The same measurements on $ilPath (IL-only engine, for comparison)"
    $forward = @('-NoProfile', '-File', $PSCommandPath, '-Iterations', $Iterations, '-ModulePath', $ModulePath, '-ThisEngineOnly')
    if ($Only) { $forward += @('-Only', ($Only -join ',')) }
    $env:ECRAUTH_TEST_PWSH = $ilPath   # its process is dotnet: child shells need the wrapper
    try { & $ilPath @forward | Out-Host } finally { Remove-Item env:ECRAUTH_TEST_PWSH }
}
