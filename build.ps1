<#
.SYNOPSIS
Builds, tests, installs and demonstrates EcrAuth.

.DESCRIPTION
Tasks run in the order given:
  Build    cargo release build, C header check, stage the library into module/EcrAuth/<rid>/
  Cross    (Linux x64) also build and stage win-x64 and linux-arm64 with Debian's Rust 1.96
  Install  Build, then copy the module into your user module path (Import-Module EcrAuth works anywhere)
  Test     Lint, Rust tests, Build, Pester; ends with "N passed, N failed, N skipped".
           With -AllPlatforms: Cross first, then also the Rust tests and the C programs on win-x64
           (under Wine 10) and linux-arm64 (under qemu-user), and the Windows leg: the Pester
           suites in PowerShell for Windows under Wine 10 with the Cross-built ecr_auth.dll.
           With -Windows: that Windows leg alone
  Pester   only the Pester suites, on the PowerShell running build.ps1 (after Build unless
           -NoBuild); what the hosted workflow runs on Windows PowerShell 5.1, Windows and macOS
  Lint     PSScriptAnalyzer over module/, build.ps1, tests/ and benches/ (any Warning or Error fails),
           cargo fmt --check and cargo clippy -D warnings (also for aarch64-apple-darwin, if rustup has it)
  Demo     with no AWS account: a local registry + mock ECR endpoint, then Auth-ECR with the real docker CLI
  Package  Build, then a PowerShell Gallery package (out/EcrAuth.<version>.nupkg) with every staged
           native library (all three after Cross: linux-x64, linux-arm64, win-x64)
  Clean    remove build output and staged libraries

.PARAMETER Task
One or more task names. Defaults to Build.

.PARAMETER Tag
Pester tags to run in the Test task (default: all).

.PARAMETER AllPlatforms
Test: also build win-x64 and linux-arm64 (the Cross task), run their tests under Wine and
qemu-user, and run the Windows leg; without it those tests are skipped. What CI runs.

.PARAMETER Windows
Test: run only the Windows leg (Cross first if ecr_auth.dll is not staged).

.PARAMETER NoBuild
Pester, Install: use the libraries already staged (the Windows leg: no cargo on that side).

.EXAMPLE
pwsh ./build.ps1 Install, Demo

.EXAMPLE
pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    # From bash, `pwsh ./build.ps1 Install, Demo` arrives as the words "Install," and "Demo":
    # take every remaining word and split on commas.
    [Parameter(Position = 0, ValueFromRemainingArguments = $true)]
    [string[]] $Task = 'Build',

    [string[]] $Tag,

    [switch] $AllPlatforms,

    [switch] $Windows,

    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$ModuleSource = Join-Path $Root 'module/EcrAuth'
$script:Done = @{}
# $IsWindows/$IsMacOS do not exist in Windows PowerShell 5.1 (strict mode would stop on them).
$OnWindows = ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows
$Platform = if ($OnWindows) { 'Windows' } elseif ($IsMacOS) { 'MacOS' } else { 'Linux' }
# A library Copy-StagedLibrary moved aside (.old) or is still copying (.new): never shipped.
$StagingLeftover = '\.(old|new)$'

function Invoke-Native {
    # Runs a native command and stops on a non-zero exit code.
    param([string] $Command, [string[]] $Arguments)
    Write-Host "> $Command $($Arguments -join ' ')" -ForegroundColor Cyan
    & $Command @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-CargoTargetDirectory {
    $metadata = & cargo metadata --format-version 1 --no-deps --manifest-path (Join-Path $Root 'Cargo.toml') | ConvertFrom-Json
    $metadata.target_directory
}

function Get-StagedLibraryPath {
    # The layout EcrAuth.dll binds at run time (EcrAuth.Engine.Platform): <os>-<arch>/<library>.
    $os = switch ($Platform) { 'Windows' { 'win' } 'MacOS' { 'osx' } default { 'linux' } }
    $rid = "$os-" + [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    $file = switch ($os) { 'win' { 'ecr_auth.dll' } 'osx' { 'libecr_auth.dylib' } default { 'libecr_auth.so' } }
    [pscustomobject]@{ Rid = $rid; File = $file; Path = Join-Path (Join-Path $ModuleSource $rid) $file }
}

function Invoke-Build {
    if ($script:Done['Build']) { return }
    Push-Location $Root
    try {
        # The credential helper first: building a binary also rebuilds the library with both crate
        # types, and the shipped library must be the cdylib-only build below.
        Invoke-Native cargo @('build', '--release', '--locked', '--bin', $HelperName)
        # The shipped library is built as a cdylib alone: with the rlib the tests need beside it,
        # rustc's LTO keeps ~1.8 MB more (7.0 vs 5.2 MB stripped, measured).
        Invoke-Native cargo @('rustc', '--release', '--locked', '--lib', '--crate-type', 'cdylib')
        Invoke-Native cargo @('test', '--locked', '--test', 'header')
        $staged = Get-StagedLibraryPath
        $built = Join-Path (Join-Path (Get-CargoTargetDirectory) 'release') $staged.File
        Copy-StagedLibrary -From $built -To $staged.Path
        $size = (Get-Item -LiteralPath $staged.Path).Length
        Write-Host ("Staged {0} ({1:N2} MB)" -f $staged.Path, ($size / 1MB)) -ForegroundColor Green
        $helperFile = if ($OnWindows) { "$HelperName.exe" } else { $HelperName }
        $helper = Join-Path (Split-Path $staged.Path) $helperFile
        Copy-StagedLibrary -From (Join-Path (Join-Path (Get-CargoTargetDirectory) 'release') $helperFile) -To $helper
        Write-Host ("Staged {0} ({1:N2} MB)" -f $helper, ((Get-Item -LiteralPath $helper).Length / 1MB)) -ForegroundColor Green
        Invoke-AssemblyBuild
    }
    finally { Pop-Location }
    $script:Done['Build'] = $true
}

function Get-ReferenceAssembly {
    # The reference assemblies EcrAuth.dll compiles against (netstandard2.0, PowerShell Standard
    # 5.1: one DLL for Windows PowerShell 5.1 and every PowerShell 7), from where NuGet keeps
    # restored packages, so a machine that restored them once builds offline.
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) { $packages = Join-Path $HOME '.nuget/packages' }
    $paths = @((Join-Path $packages 'netstandard.library/2.0.3/build/netstandard2.0/ref/netstandard.dll'),
        (Join-Path $packages 'powershellstandard.library/5.1.1/lib/netstandard2.0/System.Management.Automation.dll'))
    foreach ($path in $paths) {
        if (-not (Test-Path -LiteralPath $path)) {
            throw ("EcrAuth.dll compiles against NETStandard.Library 2.0.3 and PowerShellStandard.Library 5.1.1, not found in $packages ($path). " +
                'Restore them once (dotnet restore module/EcrAuth.Commands), or unpack the two .nupkg files there as <id>/<version>/.')
        }
    }
    $paths
}

function Invoke-AssemblyBuild {
    # module/EcrAuth.Commands/*.cs -> module/EcrAuth/EcrAuth.dll with the C# compiler PowerShell 7
    # ships (Roslyn in $PSHOME): no .NET SDK needed (with one: dotnet build module/EcrAuth.Commands).
    $roslyn = Join-Path $PSHOME 'Microsoft.CodeAnalysis.CSharp.dll'
    if (-not (Test-Path -LiteralPath $roslyn)) { throw "Building EcrAuth.dll needs PowerShell 7 (the C# compiler in its folder) or a .NET SDK (dotnet build module/EcrAuth.Commands)." }
    Add-Type -Path (Join-Path $PSHOME 'Microsoft.CodeAnalysis.dll'), $roslyn
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $parse = [Microsoft.CodeAnalysis.CSharp.CSharpParseOptions]::new([Microsoft.CodeAnalysis.CSharp.LanguageVersion]::CSharp7_3,
        [Microsoft.CodeAnalysis.DocumentationMode]::Diagnose)
    $trees = [Microsoft.CodeAnalysis.SyntaxTree[]]@(foreach ($file in Get-ChildItem -LiteralPath (Join-Path $Root 'module/EcrAuth.Commands') -Recurse -Filter *.cs) {
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText([IO.File]::ReadAllText($file.FullName), $parse, $file.FullName, [Text.Encoding]::UTF8, [Threading.CancellationToken]::None)
        })
    $references = [Microsoft.CodeAnalysis.MetadataReference[]]@(foreach ($path in Get-ReferenceAssembly) { [Microsoft.CodeAnalysis.MetadataReference]::CreateFromFile($path) })
    $options = [Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions]::new([Microsoft.CodeAnalysis.OutputKind]::DynamicallyLinkedLibrary).
    WithOptimizationLevel([Microsoft.CodeAnalysis.OptimizationLevel]::Release).WithDeterministic($true).
    WithGeneralDiagnosticOption([Microsoft.CodeAnalysis.ReportDiagnostic]::Error)   # warnings fail the build, as in the project file
    $compilation = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]::Create('EcrAuth', $trees, $references, $options)
    $dll = [IO.MemoryStream]::new(); $xml = [IO.MemoryStream]::new()
    $result = $compilation.Emit($dll, $null, $xml)
    if (-not $result.Success) {
        $problems = @($result.Diagnostics | Where-Object { $_.Severity -ge [Microsoft.CodeAnalysis.DiagnosticSeverity]::Warning } | ForEach-Object { $_.ToString() })
        throw "EcrAuth.dll did not compile:`n$($problems -join "`n")"
    }
    $out = Join-Path (Get-CargoTargetDirectory) 'ecrauth-dotnet'
    $null = New-Item -ItemType Directory -Force -Path $out
    [IO.File]::WriteAllBytes((Join-Path $out 'EcrAuth.dll'), $dll.ToArray())
    [IO.File]::WriteAllBytes((Join-Path $out 'EcrAuth.xml'), $xml.ToArray())
    # A shell may have EcrAuth.dll loaded (Windows locks it): put it in place by rename.
    Copy-StagedLibrary -From (Join-Path $out 'EcrAuth.dll') -To (Join-Path $ModuleSource 'EcrAuth.dll')
    Write-Host ("Compiled {0} ({1:N0} bytes) in {2:N1} s" -f (Join-Path $ModuleSource 'EcrAuth.dll'), $dll.Length, $watch.Elapsed.TotalSeconds) -ForegroundColor Green
    # Compiled cmdlets read their help from MAML beside the DLL: generated from the doc comments,
    # in a child pwsh (it imports the DLL, which must not stay loaded here).
    $help = Join-Path $ModuleSource 'en-US/EcrAuth.dll-Help.xml'
    $pwshPath = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    Invoke-Native $pwshPath @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'module/EcrAuth.Commands/Help/ConvertTo-MamlHelp.ps1'),
        '-AssemblyPath', (Join-Path $out 'EcrAuth.dll'), '-DocumentationPath', (Join-Path $out 'EcrAuth.xml'), '-OutputPath', $help)
    Write-Host "Generated $help" -ForegroundColor Green
}

function Get-UserModuleDirectory {
    if ($OnWindows) {
        $folder = if ($PSVersionTable.PSEdition -eq 'Core') { 'PowerShell' } else { 'WindowsPowerShell' }
        return Join-Path ([Environment]::GetFolderPath('MyDocuments')) "$folder/Modules"
    }
    $data = $env:XDG_DATA_HOME
    if (-not $data) { $data = Join-Path $HOME '.local/share' }
    Join-Path $data 'powershell/Modules'
}

function Invoke-Install {
    if (-not $NoBuild) { Invoke-Build }
    $version = (Import-PowerShellDataFile (Join-Path $ModuleSource 'EcrAuth.psd1')).ModuleVersion
    $destination = Join-Path (Join-Path (Get-UserModuleDirectory) 'EcrAuth') $version
    # Over an existing copy file by file: the script files are overwritten; each native library
    # goes through Copy-StagedLibrary, since a running shell may hold the old one (on Windows it
    # could be neither deleted nor overwritten).
    $null = New-Item -ItemType Directory -Force -Path $destination
    $sourceFiles = @(Get-ChildItem -LiteralPath $ModuleSource -Recurse -File)
    # Files of an older build of this version that the module no longer has (libraries aside).
    $wanted = @{}
    foreach ($item in $sourceFiles) { $wanted[$item.FullName.Substring($ModuleSource.Length + 1)] = $true }
    foreach ($item in Get-ChildItem -LiteralPath $destination -Recurse -File) {
        $relative = $item.FullName.Substring($destination.Length + 1)
        if (-not $wanted.ContainsKey($relative) -and $relative -notmatch '^(win|linux|osx)-|^EcrAuth\.dll\.') { Remove-Item -LiteralPath $item.FullName -Force }
    }
    foreach ($item in $sourceFiles) {
        $relative = $item.FullName.Substring($ModuleSource.Length + 1)
        $target = Join-Path $destination $relative
        # The native libraries and EcrAuth.dll: a shell may have them loaded.
        if ($relative -match '^(win|linux|osx)-[^\\/]+[\\/]|^EcrAuth\.dll') {
            if ($item.Name -notmatch $StagingLeftover) { Copy-StagedLibrary -From $item.FullName -To $target }
        }
        else {
            $null = New-Item -ItemType Directory -Force -Path (Split-Path $target)
            Copy-Item -LiteralPath $item.FullName -Destination $target -Force
        }
    }
    Write-Host "Installed EcrAuth $version to $destination" -ForegroundColor Green
    Write-Host 'Add this line to your $PROFILE to have Auth-ECR in every new shell:'
    Write-Host '    Import-Module EcrAuth'
}

function Invoke-Test {
    # Legs: Linux (this machine: lint, Rust, Pester) unless -Windows alone; the Windows leg with
    # -Windows or -AllPlatforms. Each prints its own counts; the last line is the total.
    $legs = @()
    if ($AllPlatforms -or -not $Windows) { $legs += Invoke-LinuxLeg }
    if ($AllPlatforms -or $Windows) { $legs += Invoke-WindowsLeg }
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($leg in $legs) {
        Write-Output ("{0} leg: {1} passed, {2} failed, {3} skipped, in {4:N0} s" -f $leg.Name, $leg.Passed, $leg.Failed, $leg.Skipped, $leg.Seconds)
        $total.Passed += $leg.Passed; $total.Failed += $leg.Failed; $total.Skipped += $leg.Skipped
    }
    # The line CI reads (Pester's own summary is not one).
    Write-Output ("{0} passed, {1} failed, {2} skipped" -f $total.Passed, $total.Failed, $total.Skipped)
    if ($total.Failed -gt 0) { exit 1 }
}

function Get-ZeroCount {
    param([string] $Name)
    [pscustomobject]@{ Name = $Name; Passed = 0; Failed = 0; Skipped = 0; Seconds = 0 }
}

function Add-Count {
    param($To, $From)
    $To.Passed += $From.Passed; $To.Failed += $From.Failed; $To.Skipped += $From.Skipped
}

function Invoke-LinuxLeg {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $leg = Get-ZeroCount $Platform
    $savedAllPlatforms = $env:ECRAUTH_TEST_ALL_PLATFORMS
    if ($AllPlatforms) {
        Invoke-Cross
        # tests/EcrAuth.Platforms.Tests.ps1: a missing library or tool is then a failure, not a skip.
        $env:ECRAUTH_TEST_ALL_PLATFORMS = '1'
    }
    Push-Location $Root
    try {
        $lint = try { Invoke-Lint; 'passed' } catch { Write-Host "lint failed: $_" -ForegroundColor Red; 'failed' }
        if ($lint -eq 'passed') { $leg.Passed++ } else { $leg.Failed++ }
        Add-Count $leg (Invoke-CargoTest 'cargo' @('test', '--locked', '--no-fail-fast'))
        if ($AllPlatforms) {
            foreach ($counts in Invoke-CrossRustTest) { Add-Count $leg $counts }
        }
        Invoke-Build
        $valgrind = try { Invoke-ValgrindCheck -Calls 1000 } catch { Write-Host "valgrind check failed: $_"; 'failed' }
        switch ($valgrind) { 'passed' { $leg.Passed++ } 'failed' { $leg.Failed++ } default { $leg.Skipped++ } }
        Add-Count $leg (Invoke-PesterSuite)
    }
    finally {
        Pop-Location
        $env:ECRAUTH_TEST_ALL_PLATFORMS = $savedAllPlatforms
    }
    $leg.Seconds = $watch.Elapsed.TotalSeconds
    $leg
}

function Invoke-PesterSuite {
    # The Pester suites on this engine; returns the counts and prints the leg's line.
    Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $Root 'tests'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    if ($Tag) { $config.Filter.Tag = $Tag }
    Set-StrictMode -Off  # the tests run in this scope; this script's strict mode is not theirs
    $result = Invoke-Pester -Configuration $config
    Set-StrictMode -Version 3.0
    [pscustomobject]@{ Passed = $result.PassedCount; Failed = $result.FailedCount; Skipped = $result.SkippedCount }
}

function Invoke-PesterTask {
    if (-not $NoBuild) { Invoke-Build }
    # The Windows leg's Linux side hands over a folder for the test programs' PATH and a temp
    # folder it can see (Z:\tmp\...), so what the tests write is visible to the broker.
    if ($env:ECRAUTH_TEST_WINDOWS_TEMP) { $env:TMP = $env:ECRAUTH_TEST_WINDOWS_TEMP; $env:TEMP = $env:ECRAUTH_TEST_WINDOWS_TEMP }
    if ($env:ECRAUTH_TEST_WINDOWS_PATH) { $env:PATH = $env:ECRAUTH_TEST_WINDOWS_PATH + [IO.Path]::PathSeparator + $env:PATH }
    $counts = Invoke-PesterSuite
    if ($env:ECRAUTH_TEST_RESULT_FILE) {
        [IO.File]::WriteAllText($env:ECRAUTH_TEST_RESULT_FILE, ('{0} {1} {2}' -f $counts.Passed, $counts.Failed, $counts.Skipped))
    }
    Write-Output ("{0} passed, {1} failed, {2} skipped" -f $counts.Passed, $counts.Failed, $counts.Skipped)
    if ($counts.Failed -gt 0) { exit 1 }
}

function Invoke-WindowsLeg {
    # The Pester suites in PowerShell 7 for Windows under Wine 10 (../shared/tools/bin/pwsh-windows)
    # with the Cross-built ecr_auth.dll. The Windows process cannot start Linux programs: the
    # registry, mock ECR, htpasswd and the real docker CLI (behind a relaying docker.exe) start
    # through tests/support/test_broker.py, started here; fake clients are MinGW-built exes.
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $leg = Get-ZeroCount 'Windows'
    $dll = Join-Path $ModuleSource 'win-x64/ecr_auth.dll'
    if (-not (Test-Path -LiteralPath $dll)) { Invoke-Cross }
    $pwshWindows = Get-ToolCommand 'pwsh-windows'
    Import-Module (Join-Path $Root 'tests/support/EcrTestStack.psm1') -Force
    $work = Join-Path '/tmp' ('ecrauth-windows-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $bin = Join-Path $work 'bin'
    $path = Join-Path $work 'path'
    $null = New-Item -ItemType Directory -Force -Path $bin, $path, (Join-Path $work 'temp')
    $broker = $null
    try {
        # The test programs, built once for the whole leg.
        $flags = Get-TestProgramFlag -Windows
        Invoke-Native x86_64-w64-mingw32-gcc (@($flags) + @('-o', (Join-Path $bin 'fake_client.exe'), (Join-Path $Root 'tests/windows/fake_client.c'), '-lws2_32', '-lshell32'))
        Invoke-Native x86_64-w64-mingw32-gcc (@($flags) + @('-o', (Join-Path $bin 'credential_helper.exe'), (Join-Path $Root 'tests/support/credential_helper.c')))
        Invoke-Native cc (@(Get-TestProgramFlag) + @('-o', (Join-Path $bin 'credential_helper'), (Join-Path $Root 'tests/support/credential_helper.c')))
        # The package the Package suite installs (built here: cargo does not run on that side).
        $package = @(Invoke-Package)[-1]
        $prefix = Join-Path $work 'wineprefix'
        $brokerLog = Join-Path $work 'broker.log'
        $python = (Get-Command python3 -CommandType Application | Select-Object -First 1).Source
        $broker = Start-Process -FilePath $python -ArgumentList (Join-Path $Root 'tests/support/test_broker.py'), '--wine-prefix', $prefix -PassThru `
            -RedirectStandardOutput $brokerLog -RedirectStandardError (Join-Path $work 'broker.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not ((Test-Path $brokerLog) -and (Get-Content -Raw $brokerLog) -match 'listening on (\d+)')) {
            if ($broker.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "the test broker did not start: $(Get-Content -Raw (Join-Path $work 'broker.err'))" }
            Start-Sleep -Milliseconds 100
        }
        $brokerUri = "http://127.0.0.1:$($Matches[1])"
        $docker = (Get-Command docker -CommandType Application | Select-Object -First 1).Source
        $windows = { param($p) 'Z:' + $p.Replace('/', '\') }
        $resultFile = Join-Path $work 'result.txt'
        $settings = @{
            ECRAUTH_TEST_BROKER        = $brokerUri
            ECRAUTH_TEST_WINDOWS_BIN   = & $windows $bin
            ECRAUTH_TEST_WINDOWS_PATH  = & $windows $path
            ECRAUTH_TEST_WINDOWS_TEMP  = & $windows (Join-Path $work 'temp')
            ECRAUTH_TEST_RESULT_FILE   = & $windows $resultFile
            ECRAUTH_TEST_PACKAGE       = & $windows $package
            ECRAUTH_TEST_WINE_PREFIX   = $prefix
            ECRAUTH_TEST_ALL_PLATFORMS = $null
            PWSH_WINDOWS_PREFIX        = $prefix
        }
        $saved = @{}
        foreach ($name in $settings.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-EnvironmentValue $name $settings[$name] }
        try {
            # docker.exe on the Windows PATH: records the call, then the real docker CLI runs it
            # (tests/windows/fake_client.c in relay mode; this side is Linux, so not New-FakeClient).
            Copy-Item -LiteralPath (Join-Path $bin 'fake_client.exe') -Destination (Join-Path $path 'docker.exe')
            [IO.File]::WriteAllText((Join-Path $path 'docker.fake'), "relay=$(([uri]$brokerUri).Authority)`nrelay_program=$docker`n")
            $arguments = @('-NoProfile', '-File', (Join-Path $Root 'build.ps1'), 'Pester', '-NoBuild')
            if ($Tag) { $arguments += @('-Tag', ($Tag -join ',')) }
            Write-Host "> pwsh-windows $($arguments -join ' ')" -ForegroundColor Cyan
            & $pwshWindows @arguments | Out-Host
        }
        finally { foreach ($name in $saved.Keys) { Set-EnvironmentValue $name $saved[$name] } }
        if (Test-Path -LiteralPath $resultFile) {
            $numbers = (Get-Content -Raw $resultFile).Trim() -split ' '
            $leg.Passed = [int]$numbers[0]; $leg.Failed = [int]$numbers[1]; $leg.Skipped = [int]$numbers[2]
        }
        else { Write-Host 'The Windows leg wrote no result: counted as one failure.' -ForegroundColor Red; $leg.Failed = 1 }
    }
    finally {
        if ($broker -and -not $broker.HasExited) { Stop-Process -Id $broker.Id -ErrorAction SilentlyContinue; $null = $broker.WaitForExit(10000) }
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
    $leg.Seconds = $watch.Elapsed.TotalSeconds
    $leg
}

function Get-ToolCommand {
    # A program of ../shared/tools/bin (pwsh-windows, wine10): from PATH, else that folder.
    param([string] $Name)
    $command = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    $path = Join-Path $Root "../shared/tools/bin/$Name"
    if (-not (Test-Path -LiteralPath $path)) { throw "$Name is neither on PATH nor in ../shared/tools/bin: the Windows leg needs it" }
    (Resolve-Path -LiteralPath $path).ProviderPath
}

function Invoke-Lint {
    # PSScriptAnalyzer with the PowerShell Gallery's settings over the module, this script and
    # the tests (a suppression says why), then cargo fmt and clippy.
    Import-Module PSScriptAnalyzer -ErrorAction Stop
    $findings = @(foreach ($path in (Join-Path $Root 'module'), (Join-Path $Root 'build.ps1'), (Join-Path $Root 'tests'), (Join-Path $Root 'benches')) {
            Invoke-ScriptAnalyzer -Path $path -Recurse -Settings PSGallery -Severity Warning, Error
        })
    foreach ($finding in $findings) {
        Write-Host ("{0}:{1}: {2} {3}: {4}" -f $finding.ScriptPath, $finding.Line, $finding.Severity, $finding.RuleName, $finding.Message) -ForegroundColor Red
    }
    Write-Host "PSScriptAnalyzer: $($findings.Count) finding(s)"
    if ($findings.Count) { throw "PSScriptAnalyzer found $($findings.Count) problem(s)" }
    Invoke-Native cargo @('fmt', '--check')
    Invoke-Native cargo @('clippy', '--locked', '--all-targets', '--', '-D', 'warnings')
    Invoke-MacCheck
}

function Invoke-MacCheck {
    # The macOS-only code (the helper's Keychain store) type-checked and linted for
    # aarch64-apple-darwin, when rustup has that target's std (`rustup target add
    # aarch64-apple-darwin`); it runs on a Mac in the hosted workflow. Nothing is linked, so
    # ring's C objects come from a stand-in compiler that writes empty files.
    if ($OnWindows -or $IsMacOS) { return } # a Mac builds it for real; the stand-in compiler is a shell script
    $installed = @(& rustup target list --installed 2>$null)
    if ($installed -notcontains 'aarch64-apple-darwin') {
        Write-Host 'macOS check SKIPPED: rustup has no aarch64-apple-darwin target (rustup target add aarch64-apple-darwin)'
        return
    }
    $stand = Join-Path $Root 'target/ecrauth-mac-check'
    $null = New-Item -ItemType Directory -Force -Path $stand
    $cc = Join-Path $stand 'empty-object-cc'
    [IO.File]::WriteAllText($cc, "#!/bin/sh`n# cargo check for macOS: objects are never linked, so each one is an empty file.`nout=`nwhile [ `$# -gt 0 ]; do case `"`$1`" in -o) out=`"`$2`"; shift ;; -Fo*) out=`"`${1#-Fo}`" ;; esac; shift; done`n[ -n `"`$out`" ] && : > `"`$out`"`nexit 0`n")
    & chmod +x $cc
    $saved = $env:CC_aarch64_apple_darwin, $env:AR_aarch64_apple_darwin
    try {
        $env:CC_aarch64_apple_darwin = $cc; $env:AR_aarch64_apple_darwin = 'ar'
        Invoke-Native cargo @('clippy', '--locked', '--target', 'aarch64-apple-darwin', '--lib', '--bins', '--', '-D', 'warnings')
    }
    finally { $env:CC_aarch64_apple_darwin, $env:AR_aarch64_apple_darwin = $saved }
}

function Invoke-CargoTest {
    # Runs a `cargo test` command, echoing it; returns the summed "test result:" counts (a build
    # failure counts as one failure).
    param([string] $Cargo, [string[]] $Arguments)
    $counts = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    Write-Host "> $Cargo $($Arguments -join ' ')" -ForegroundColor Cyan
    # cargo writes progress to stderr; on Windows PowerShell that must not stop the script.
    $ErrorActionPreference = 'Continue'
    & $Cargo @Arguments 2>&1 | ForEach-Object {
        $line = "$_"
        Write-Host $line
        if ($line -match '^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored') {
            $counts.Passed += [int]$Matches[1]; $counts.Failed += [int]$Matches[2]; $counts.Skipped += [int]$Matches[3]
        }
    }
    $exit = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    $counts
}

function Invoke-CrossRustTest {
    # The Rust unit tests and the mock-endpoint tests (wiremock inside the tested process) on each
    # cross platform: linux-arm64 under qemu-user, win-x64 under Wine. A debug build without
    # debug info, in target/cross: about 4 minutes each on 2 cores.
    Import-Module (Join-Path $Root 'tests/support/EcrTestStack.psm1') -Force
    $extra = Get-WineEnvironment -Prefix (Join-Path (Get-CrossDirectory) 'wineprefix-tests')
    $extra.CARGO_PROFILE_DEV_DEBUG = '0'
    $extra.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER = 'qemu-aarch64-static -L /usr/aarch64-linux-gnu'
    $extra.CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER = Get-WineCommand
    Use-CrossEnvironment $extra {
        Invoke-CargoTest /usr/bin/cargo @('test', '--locked', '--no-fail-fast', '--lib', '--test', 'fetch_mock', '--target', 'aarch64-unknown-linux-gnu')
        Invoke-CargoTest /usr/bin/cargo @('test', '--locked', '--no-fail-fast', '--lib', '--test', 'fetch_mock', '--target', 'x86_64-pc-windows-gnu', '-Zbuild-std=std,panic_unwind')
    }
}

function Invoke-ValgrindCheck {
    # tests/c/ecr_auth_smoke.c against the release library under valgrind, $Calls fetches
    # (success and failure paths): no definite or indirect leak, no invalid access.
    param([int] $Calls)
    $valgrind = Get-Command valgrind -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $staged = Get-StagedLibraryPath
    if (-not $valgrind -or $staged.Rid -notlike 'linux-*') {
        Write-Host 'SKIPPED valgrind check: needs valgrind on Linux (apt-get install valgrind)'
        return 'skipped'
    }
    Import-Module (Join-Path $Root 'tests/support/EcrTestStack.psm1') -Force
    $work = New-TestDirectory
    $previous = Use-IsolatedAwsEnvironment -Directory $work
    $ecr = $null
    try {
        $libDir = Split-Path $staged.Path
        $exe = Join-Path $work 'ecr_auth_smoke'
        Invoke-Native cc @('-std=c99', '-O1', '-g', '-o', $exe, (Join-Path $Root 'tests/c/ecr_auth_smoke.c'),
            "-I$(Join-Path $Root 'include')", "-L$libDir", "-Wl,-rpath,$libDir", '-lecr_auth')
        $ecr = Start-MockEcr -ProxyEndpoint 'https://123456789012.dkr.ecr.us-west-2.amazonaws.com' -Password 'from-c'
        $env:ECR_AUTH_EXPECT_PASSWORD = 'from-c'
        Write-Host "> valgrind --leak-check=full ... ecr_auth_smoke $($ecr.Uri) $Calls" -ForegroundColor Cyan
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & $valgrind.Source --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect `
            --error-exitcode=99 --quiet $exe $ecr.Uri $Calls | Select-Object -Last 1 | Write-Host
        $exit = $LASTEXITCODE
        $requests = @(Get-MockEcrRequest $ecr).Count
        # Each round: one packed fetch, and one handle fetch whose repeat comes from the cache.
        $ok = ($exit -eq 0) -and ($requests -eq 2 * $Calls)
        Write-Host ("valgrind check: exit {0}, {1} fetches in {2:N0} s: {3}" -f $exit, $requests, $watch.Elapsed.TotalSeconds, $(if ($ok) { 'ok' } else { 'FAILED' }))
        if ($ok) { 'passed' } else { 'failed' }
    }
    finally {
        Remove-Item env:ECR_AUTH_EXPECT_PASSWORD -ErrorAction SilentlyContinue
        Stop-TestProcess $ecr
        Restore-Environment $previous
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-Demo {
    Invoke-Build
    Import-Module (Join-Path $Root 'tests/support/EcrTestStack.psm1') -Force
    $password = [guid]::NewGuid().ToString('n')
    $work = New-TestDirectory
    $previous = Use-IsolatedAwsEnvironment -Directory $work
    $previousDockerConfig = $env:DOCKER_CONFIG
    $registry = $null; $ecr = $null
    try {
        $registry = Start-TestRegistry -Password $password
        $ecr = Start-MockEcr -ProxyEndpoint "http://$($registry.Host)" -Password $password
        $env:DOCKER_CONFIG = Join-Path $work 'docker'
        Write-Host "Local registry : http://$($registry.Host) (htpasswd, user AWS)"
        Write-Host "Mock ECR API   : $($ecr.Uri)"
        Write-Host "DOCKER_CONFIG  : $env:DOCKER_CONFIG"
        Import-Module $ModuleSource -Force
        Write-Host "`n> Auth-ECR AKIAIOSFODNN7EXAMPLE <secret> -EndpointUrl $($ecr.Uri) -PassThru" -ForegroundColor Cyan
        $login = Auth-ECR AKIAIOSFODNN7EXAMPLE 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' -EndpointUrl $ecr.Uri -PassThru
        $login | Format-Table -AutoSize | Out-Host
        $auths = (Get-Content -Raw (Join-Path $env:DOCKER_CONFIG 'config.json') | ConvertFrom-Json).auths
        Write-Host "docker's config.json now holds a login for: $(@($auths.PSObject.Properties.Name) -join ', ')"
    }
    finally {
        Stop-TestProcess $ecr
        Stop-TestProcess $registry
        $env:DOCKER_CONFIG = $previousDockerConfig
        Restore-Environment $previous
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        Write-Host 'Stopped the local registry and mock ECR endpoint.'
    }
}

# Cross builds (Linux x64 only): rustup cannot fetch other targets here, so Debian's Rust 1.96
# (rustc-web) builds them: std from source for Windows (MinGW links), Debian's arm64 std for
# Linux arm64. Everything lives in target/cross with its own CARGO_HOME, apart from rustup's.
# The credential helper binary (src/bin), staged beside each platform's library.
$HelperName = 'docker-credential-ecrauth'
$CrossTargets = @(
    @{ Rid = 'win-x64'; Triple = 'x86_64-pc-windows-gnu'; File = 'ecr_auth.dll' }
    @{ Rid = 'linux-arm64'; Triple = 'aarch64-unknown-linux-gnu'; File = 'libecr_auth.so' }
)
$CrossPackages = 'rustc-web', 'cargo-web', 'rust-web-src', 'gcc-mingw-w64-x86-64', 'g++-mingw-w64-x86-64',
'mingw-w64-x86-64-dev', 'binutils-mingw-w64-x86-64', 'gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross',
'binutils-aarch64-linux-gnu', 'qemu-user-static'

function Get-CrossDirectory { Join-Path $Root 'target/cross' }

function Install-CrossTool {
    # Debian packages (installed when running as root, else named), and Debian's arm64 std,
    # unpacked into target/cross/arm64-sysroot (its version must be rustc-web's).
    $missing = @($CrossPackages | Where-Object {
            $state = & dpkg-query -W -f '${db:Status-Status}' $_ 2>$null
            $state -ne 'installed'
        })
    $isRoot = (& id -u) -eq '0'
    if ($missing) {
        if (-not $isRoot) { throw "Cross builds need these Debian packages: sudo apt-get install $($missing -join ' ')" }
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing)
    }
    $sysroot = Join-Path (Get-CrossDirectory) 'arm64-sysroot'
    if (-not (Test-Path -LiteralPath (Join-Path $sysroot 'usr/lib/rustlib/aarch64-unknown-linux-gnu'))) {
        $version = & dpkg-query -W -f '${Version}' rustc-web
        $deb = Join-Path (Get-CrossDirectory) 'debs'
        $null = New-Item -ItemType Directory -Force -Path $deb
        if (-not ((& dpkg --print-foreign-architectures) -contains 'arm64')) {
            if (-not $isRoot) { throw 'Cross builds need arm64 package lists: sudo dpkg --add-architecture arm64 && sudo apt-get update' }
            Invoke-Native dpkg @('--add-architecture', 'arm64')
            Invoke-Native apt-get @('update', '-qq')
        }
        Push-Location $deb
        try { Invoke-Native apt-get @('download', "libstd-rust-web-dev:arm64=$version") } finally { Pop-Location }
        $file = Get-ChildItem -LiteralPath $deb -Filter 'libstd-rust-web-dev_*_arm64.deb' | Select-Object -First 1
        Invoke-Native dpkg @('-x', $file.FullName, $sysroot)
    }
}

function Invoke-Cross {
    if ($Platform -ne 'Linux' -or [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -ne 'X64') {
        throw 'The Cross task runs on Linux x64 (Debian 12 or later); on other machines build your own library with: pwsh ./build.ps1 Build'
    }
    Install-CrossTool
    Use-CrossEnvironment @{} {
        foreach ($target in $CrossTargets) {
            $arguments = @('rustc', '--release', '--locked', '--lib', '--crate-type', 'cdylib', '--target', $target.Triple)
            $helperArguments = @('build', '--release', '--locked', '--bin', $HelperName, '--target', $target.Triple)
            # No Windows std for Rust 1.96 in Debian: build it from source.
            if ($target.Triple -like '*windows*') { $arguments += '-Zbuild-std=std,panic_unwind'; $helperArguments += '-Zbuild-std=std,panic_unwind' }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            # The helper first (see Invoke-Build), then the library alone.
            Invoke-Native /usr/bin/cargo $helperArguments
            Invoke-Native /usr/bin/cargo $arguments
            $helperFile = if ($target.Triple -like '*windows*') { "$HelperName.exe" } else { $HelperName }
            $helperStaged = Join-Path (Join-Path $ModuleSource $target.Rid) $helperFile
            Copy-StagedLibrary -From (Join-Path $env:CARGO_TARGET_DIR "$($target.Triple)/release/$helperFile") -To $helperStaged
            $built = Join-Path $env:CARGO_TARGET_DIR "$($target.Triple)/release/$($target.File)"
            $staged = Join-Path (Join-Path $ModuleSource $target.Rid) $target.File
            Copy-StagedLibrary -From $built -To $staged
            Write-Host ("Staged {0} ({1:N0} bytes, built in {2:N0} s)" -f $staged, (Get-Item -LiteralPath $staged).Length, $watch.Elapsed.TotalSeconds) -ForegroundColor Green
        }
    }
}

function Set-EnvironmentValue {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Sets a variable of this build process only.')]
    param([string] $Name, [string] $Value)
    # $null or '' removes the variable. ([Environment]::SetEnvironmentVariable($name, $null) does
    # not: PowerShell passes "" for $null, and .NET on Unix then keeps the variable, empty.)
    if ($Value) { [Environment]::SetEnvironmentVariable($Name, $Value) }
    else { Remove-Item -LiteralPath "env:$Name" -ErrorAction SilentlyContinue }
}

function Use-CrossEnvironment {
    # Runs $Script in the repository root with the cross builds' environment (Debian's Rust,
    # target/cross as CARGO_HOME and target folder, the linkers) plus $Extra ($null unsets),
    # restoring the caller's environment afterwards.
    param([hashtable] $Extra, [scriptblock] $Script)
    $cross = Get-CrossDirectory
    $settings = @{
        CARGO_HOME                                       = Join-Path $cross 'cargo-home'
        CARGO_TARGET_DIR                                 = Join-Path $cross 'target'
        RUSTC                                            = '/usr/bin/rustc'
        RUSTC_BOOTSTRAP                                  = '1'   # -Zbuild-std on Debian's stable compiler
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER        = 'x86_64-w64-mingw32-gcc'
        CC_x86_64_pc_windows_gnu                         = 'x86_64-w64-mingw32-gcc'
        AR_x86_64_pc_windows_gnu                         = 'x86_64-w64-mingw32-ar'
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER    = 'aarch64-linux-gnu-gcc'
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS = "--sysroot=$(Join-Path $cross 'arm64-sysroot/usr')"
        CC_aarch64_unknown_linux_gnu                     = 'aarch64-linux-gnu-gcc'
        AR_aarch64_unknown_linux_gnu                     = 'aarch64-linux-gnu-ar'
    }
    foreach ($name in $Extra.Keys) { $settings[$name] = $Extra[$name] }
    $saved = @{}
    foreach ($name in $settings.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-EnvironmentValue $name $settings[$name] }
    Push-Location $Root
    try { & $Script }
    finally {
        Pop-Location
        foreach ($name in $saved.Keys) { Set-EnvironmentValue $name $saved[$name] }
    }
}

function Copy-StagedLibrary {
    # Puts a native library in place without writing into the old file, which a shell may have
    # loaded (every shell with `Import-Module EcrAuth` in its $PROFILE, once it logged in). Unix:
    # rename over it; the shell keeps its mapped copy. Windows cannot replace or delete a loaded
    # DLL but can rename it: the old one moves aside as <name>.<id>.old, removed by a later
    # build or install once no process holds it.
    param([string] $From, [string] $To)
    $folder = Split-Path $To
    $null = New-Item -ItemType Directory -Force -Path $folder
    $temporary = "$To.new"
    Copy-Item -LiteralPath $From -Destination $temporary -Force
    if ($OnWindows -and (Test-Path -LiteralPath $To)) {
        $aside = '{0}.{1}.old' -f $To, [guid]::NewGuid().ToString('n').Substring(0, 8)
        Move-Item -LiteralPath $To -Destination $aside
    }
    Move-Item -LiteralPath $temporary -Destination $To -Force
    foreach ($old in Get-ChildItem -LiteralPath $folder -Filter "$(Split-Path -Leaf $To).*.old" -ErrorAction SilentlyContinue) {
        try { Remove-Item -LiteralPath $old.FullName -Force -ErrorAction Stop }
        catch { Write-Host "Kept $($old.Name): a shell still has it loaded. Close the old shells; the next build or install removes it." }
    }
}

function Invoke-Package {
    Invoke-Build
    $out = Join-Path $Root 'out'
    $stage = Join-Path $out 'stage/EcrAuth'
    if (Test-Path -LiteralPath $stage) { Remove-Item -LiteralPath $stage -Recurse -Force }
    $null = New-Item -ItemType Directory -Force -Path $stage
    Copy-Item -Path (Join-Path $ModuleSource '*') -Destination $stage -Recurse -Force
    # Libraries moved aside or half-copied by Copy-StagedLibrary are not shipped.
    Get-ChildItem -LiteralPath $stage -Recurse -File | Where-Object { $_.Name -match $StagingLeftover } | Remove-Item -Force
    $libraries = @(Get-ChildItem -LiteralPath $stage -Directory | Where-Object { $_.Name -match '^(win|linux|osx)-' } |
            Get-ChildItem -File | Where-Object { $_.Name -match '^(lib)?ecr_auth\.(so|dll|dylib)$' })
    Write-Host "Native libraries in the package: $(@($libraries | ForEach-Object { $_.Directory.Name }) -join ', ')"
    $missing = @('linux-x64', 'linux-arm64', 'win-x64' | Where-Object { @($libraries | ForEach-Object { $_.Directory.Name }) -notcontains $_ })
    if ($missing) { Write-Warning "The package has no library for $($missing -join ', '): run pwsh ./build.ps1 Cross, Package (Linux x64) to include them." }
    # Build restaged this platform's library; the others come from the last Cross.
    $sources = @(Get-ChildItem -LiteralPath (Join-Path $Root 'src') -Recurse -File) + @(Get-Item (Join-Path $Root 'Cargo.toml'), (Join-Path $Root 'Cargo.lock'))
    $newest = ($sources | Measure-Object -Property LastWriteTimeUtc -Maximum).Maximum
    foreach ($library in $libraries) {
        if ($library.LastWriteTimeUtc -lt $newest) { Write-Warning "$($library.Directory.Name)/$($library.Name) is older than the Rust sources: run pwsh ./build.ps1 Cross, Package to rebuild it." }
    }
    $version = (Import-PowerShellDataFile (Join-Path $stage 'EcrAuth.psd1')).ModuleVersion
    $package = Join-Path $out "EcrAuth.$version.nupkg"
    # out/ holds this version's package only: an older one left there would be published with it.
    Get-ChildItem -LiteralPath $out -Filter 'EcrAuth.*.nupkg' -File | Remove-Item -Force
    # PSResourceGet ships with PowerShell 7.4+; it builds the .nupkg the Gallery expects.
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    Compress-PSResource -Path $stage -DestinationPath $out
    if (-not (Test-Path -LiteralPath $package)) { throw "Compress-PSResource did not produce $package" }
    Write-Host "Packaged $package" -ForegroundColor Green
    $package
}

function Invoke-Clean {
    Push-Location $Root
    try { Invoke-Native cargo @('clean') } finally { Pop-Location }
    Get-ChildItem -LiteralPath $ModuleSource -Directory | Where-Object { $_.Name -match '^(win|linux|osx)-' } |
        Remove-Item -Recurse -Force
    Remove-Item -LiteralPath (Join-Path $Root 'out') -Recurse -Force -ErrorAction SilentlyContinue
}

$known = 'Build', 'Cross', 'Install', 'Test', 'Pester', 'Lint', 'Demo', 'Package', 'Clean'
$Task = @($Task -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($name in $Task) {
    if ($known -notcontains $name) { throw "Unknown task '$name'. Tasks: $($known -join ', ')." }
}
foreach ($name in $Task) {
    Write-Host "== $name" -ForegroundColor Yellow
    if ($name -eq 'Pester') { Invoke-PesterTask } else { & "Invoke-$name" }
}
