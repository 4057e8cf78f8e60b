# Each library EcrAuth ships, run on its own platform: win-x64 under Wine, linux-arm64 under
# qemu-user, each against the mock ECR endpoint on 127.0.0.1 through the C header. The libraries
# come from `build.ps1 Cross`. A plain `build.ps1 Test` runs these tests only if they are
# staged and Wine / qemu and the cross compilers are installed, else skips them;
# `build.ps1 Test -AllPlatforms` (what .ci/run runs) builds them first and sets
# ECRAUTH_TEST_ALL_PLATFORMS=1, which makes a missing library or tool a failure instead.

BeforeDiscovery {
    # Skipped unless required, or the library is staged and the platform's tools are installed.
    $root = Split-Path -Parent $PSScriptRoot
    $required = $env:ECRAUTH_TEST_ALL_PLATFORMS -eq '1'
    $has = { param($path, [string[]] $commands) (Test-Path $path) -and -not @($commands | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }) }
    $script:SkipWindows = -not $required -and -not (& $has (Join-Path $root 'module/EcrAuth/win-x64/ecr_auth.dll') @((Join-Path $root '../shared/tools/bin/wine10'), 'x86_64-w64-mingw32-gcc'))
    $script:SkipArm64 = -not $required -and -not (& $has (Join-Path $root 'module/EcrAuth/linux-arm64/libecr_auth.so') @('qemu-aarch64-static', 'aarch64-linux-gnu-gcc'))
    if ($IsWindows -or $PSVersionTable.PSEdition -ne 'Core') {
        # Wine and qemu are started from Linux (the Linux leg runs these); the Windows leg runs the DLL from PowerShell instead.
        $script:SkipWindows = $script:SkipArm64 = $true
        Write-Host 'SKIPPED EcrAuth.Platforms.Tests.ps1 on Windows: it runs Wine and qemu-user from the Linux side (the Linux leg runs it)'
    }
    elseif ($SkipWindows -or $SkipArm64) { Write-Host 'SKIPPED some of EcrAuth.Platforms.Tests.ps1: a library, Wine 10 or a cross tool is missing (pwsh ./build.ps1 Cross; Test -AllPlatforms makes that a failure)' }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:Root = Split-Path -Parent $PSScriptRoot
    $script:Include = Join-Path $Root 'include'
    $script:Work = New-TestDirectory
    $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
    $script:Proxy = 'https://123456789012.dkr.ecr.us-west-2.amazonaws.com'
    $script:Http = Start-MockEcr -ProxyEndpoint $Proxy -Password $Password

    # A private CA and a certificate for 127.0.0.1 signed by it, for the HTTPS runs.
    $script:Tls = New-TestCertificate -Directory (Join-Path $Work 'tls')
    $script:Https = Start-MockEcr -ProxyEndpoint $Proxy -Password $Password -TlsCertificate (Join-Path $Tls 'cert.pem') -TlsKey (Join-Path $Tls 'key.pem')

    function script:Invoke-Compiler {
        param([string] $Compiler, [string[]] $Arguments)
        $output = & (Get-RequiredCommand $Compiler "install the cross packages: pwsh ./build.ps1 Cross") @Arguments 2>&1
        if ($LASTEXITCODE) { throw "$Compiler failed: $($output -join "`n")" }
    }

    function script:Invoke-Captured {
        # Runs a program; returns its exit code and output lines (stdout and stderr).
        param([string] $FilePath, [string[]] $Arguments)
        # Less wineserver's object dumps ("0x5592...:1: Process id=0020 handles=(nil)"), which a
        # Wine 10 server shutting down sometimes writes to stderr as a program exits (seen once in
        # four clean runs, after the program's own last line).
        $output = @(& $FilePath @Arguments 2>&1 | ForEach-Object { "$_" } | Where-Object { $_ -notmatch '^0x[0-9a-f]+:\d+: ' })
        $exit = $LASTEXITCODE
        # Shown in the test log: what each platform's program printed (never a password).
        $tail = @($output | Select-Object -Last 2) -join ' | '
        Write-Host ("      {0} -> exit {1}: {2}" -f [System.IO.Path]::GetFileName($Arguments[0]), $exit, $tail)
        [pscustomobject]@{ ExitCode = $exit; Output = $output; Text = $output -join "`n" }
    }

    function script:Assert-SmokeOverHttp {
        # tests/c/ecr_auth_smoke.c, 3 rounds of both fetch styles, through $Runner (wine64, qemu).
        param([string] $Runner, [string] $Program)
        $before = @(Get-MockEcrRequest $Http).Count
        $run = Invoke-Captured $Runner @($Program, $Http.Uri, '3')
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Output[-1] | Should -Be 'ok'
        @(Get-MockEcrRequest $Http).Count - $before | Should -Be 6
    }
}

AfterAll {
    Stop-TestProcess $Http
    Stop-TestProcess $Https
    Restore-Environment $PreviousAws
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'win-x64 under Wine' -Tag Platforms -Skip:$SkipWindows {
    BeforeAll {
        $script:Wine = Get-WineCommand
        $script:Bin = Join-Path $Work 'win'
        $null = New-Item -ItemType Directory -Path $Bin
        # Next to the programs: the Windows loader looks in the program's own folder first.
        Copy-Item (Join-Path $Root 'module/EcrAuth/win-x64/ecr_auth.dll') $Bin
        $flags = @('-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', "-I$Include", "-L$Bin", '-l:ecr_auth.dll')
        Invoke-Compiler x86_64-w64-mingw32-gcc (@('-o', (Join-Path $Bin 'smoke.exe'), (Join-Path $Root 'tests/c/ecr_auth_smoke.c')) + $flags)
        Invoke-Compiler x86_64-w64-mingw32-gcc (@('-o', (Join-Path $Bin 'fetch_one.exe'), (Join-Path $Root 'tests/c/ecr_auth_fetch_one.c')) + $flags)
        Invoke-Compiler x86_64-w64-mingw32-gcc @('-O1', '-o', (Join-Path $Bin 'add_root_ca.exe'), (Join-Path $Root 'tests/windows/add_root_ca.c'), '-lcrypt32')

        # A fresh Wine prefix (its own registry, so its own certificate stores) for this run.
        $script:SavedWine = @{}
        foreach ($entry in (Get-WineEnvironment -Prefix (Join-Path $Work 'wineprefix')).GetEnumerator()) {
            $SavedWine[$entry.Key] = [Environment]::GetEnvironmentVariable($entry.Key)
            Set-EnvironmentValue $entry.Key $entry.Value
        }
        $env:ECR_AUTH_EXPECT_PASSWORD = $Password
        $script:WindowsCa = 'Z:' + (Join-Path $Tls 'ca.pem').Replace('/', '\')
    }
    AfterAll {
        Remove-Item env:ECR_AUTH_EXPECT_PASSWORD -ErrorAction SilentlyContinue
        Restore-Environment $SavedWine
    }

    It 'given the DLL, it is PE32+ x86-64, exports every function the module binds and imports only Windows DLLs' {
        $facts = Get-NativeLibraryFact (Join-Path $Bin 'ecr_auth.dll')
        $facts.Format | Should -Be 'PE32+'
        $facts.Machine | Should -Be 'x86-64'
        foreach ($name in Get-BoundNativeFunction) { $facts.Exports | Should -Contain $name }
        # Every one ships with Windows 10 / Server 2016 and later; no MinGW runtime DLL.
        $system = 'kernel32.dll', 'ntdll.dll', 'msvcrt.dll', 'advapi32.dll', 'ws2_32.dll', 'bcrypt.dll', 'bcryptprimitives.dll',
        'crypt32.dll', 'ncrypt.dll', 'secur32.dll', 'userenv.dll', 'api-ms-win-core-synch-l1-2-0.dll'
        $facts.Imports | Should -Contain 'kernel32.dll'   # the import table was read
        foreach ($name in $facts.Imports) { $system | Should -Contain $name }
        $facts.Size | Should -BeLessOrEqual 6MB
    }

    It 'given the C smoke program (every entry point, both fetch styles), it passes over HTTP' {
        Assert-SmokeOverHttp $Wine (Join-Path $Bin 'smoke.exe')
    }

    It 'given HTTPS with AWS_CA_BUNDLE as a Windows path, it fetches' {
        # wine10 keeps the host's AWS_CA_BUNDLE from the Windows process: cmd.exe sets it there.
        $program = 'Z:' + (Join-Path $Bin 'fetch_one.exe').Replace('/', '\')
        $run = Invoke-Captured $Wine @('cmd.exe', '/c', "set AWS_CA_BUNDLE=$WindowsCa&& $program $($Https.Uri)")
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match "^ok 123456789012.dkr.ecr.us-west-2.amazonaws.com AWS password matches"
    }

    It 'given HTTPS with a CA that is nowhere trusted, it fails clearly as a network error naming the certificate' {
        $run = Invoke-Captured $Wine @((Join-Path $Bin 'fetch_one.exe'), $Https.Uri)
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match '^status 5: '
        $run.Text | Should -Match 'certificate|UnknownIssuer'
    }

    It 'given HTTPS with the CA in the Windows root store (no AWS_CA_BUNDLE), it fetches' {
        $added = Invoke-Captured $Wine @((Join-Path $Bin 'add_root_ca.exe'), ('Z:' + (Join-Path $Tls 'ca.der').Replace('/', '\')))
        $added.ExitCode | Should -Be 0 -Because $added.Text
        $run = Invoke-Captured $Wine @((Join-Path $Bin 'fetch_one.exe'), $Https.Uri)
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match 'password matches'
    }
}

Describe 'linux-arm64 under qemu-user' -Tag Platforms -Skip:$SkipArm64 {
    BeforeAll {
        $script:Qemu = Get-RequiredCommand 'qemu-aarch64-static' 'install it with: apt-get install qemu-user-static'
        $script:Bin = Join-Path $Work 'arm64'
        $null = New-Item -ItemType Directory -Path $Bin
        Copy-Item (Join-Path $Root 'module/EcrAuth/linux-arm64/libecr_auth.so') $Bin
        $flags = @('-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', "-I$Include", "-L$Bin", "-Wl,-rpath,$Bin", '-lecr_auth')
        Invoke-Compiler aarch64-linux-gnu-gcc (@('-o', (Join-Path $Bin 'smoke'), (Join-Path $Root 'tests/c/ecr_auth_smoke.c')) + $flags)
        Invoke-Compiler aarch64-linux-gnu-gcc (@('-o', (Join-Path $Bin 'fetch_one'), (Join-Path $Root 'tests/c/ecr_auth_fetch_one.c')) + $flags)
        # The arm64 loader and libc from Debian's cross packages (libc6-arm64-cross).
        $script:SavedLdPrefix = $env:QEMU_LD_PREFIX
        $env:QEMU_LD_PREFIX = '/usr/aarch64-linux-gnu'
        $env:ECR_AUTH_EXPECT_PASSWORD = $Password
    }
    AfterAll {
        Remove-Item env:ECR_AUTH_EXPECT_PASSWORD -ErrorAction SilentlyContinue
        Set-EnvironmentValue QEMU_LD_PREFIX $SavedLdPrefix
    }

    It 'given the library, it is ELF64 AArch64, exports every function the module binds' {
        $facts = Get-NativeLibraryFact (Join-Path $Bin 'libecr_auth.so')
        $facts.Format | Should -Be 'ELF64'
        $facts.Machine | Should -Be 'AArch64'
        foreach ($name in Get-BoundNativeFunction) { $facts.Exports | Should -Contain $name }
        $facts.Size | Should -BeLessOrEqual 6MB
    }

    It 'given the C smoke program (every entry point, both fetch styles), it passes over HTTP' {
        Assert-SmokeOverHttp $Qemu (Join-Path $Bin 'smoke')
    }

    It 'given HTTPS with a private CA, it fails without the CA bundle and fetches with it' {
        $run = Invoke-Captured $Qemu @((Join-Path $Bin 'fetch_one'), $Https.Uri)
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match '^status 5: '
        $run = Invoke-Captured $Qemu @((Join-Path $Bin 'fetch_one'), $Https.Uri, (Join-Path $Tls 'ca.pem'))
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match 'password matches'
    }

    It 'given the credential helper, it answers get for a configured ECR host with the mock''s password' {
        $helper = Join-Path $Root 'module/EcrAuth/linux-arm64/docker-credential-ecrauth'
        if (-not (Test-Path -LiteralPath $helper)) { Set-ItResult -Skipped -Because 'the arm64 helper is not staged (pwsh ./build.ps1 Cross)' }
        $hostName = '123456789012.dkr.ecr.us-west-2.amazonaws.com'
        $names = 'ECRAUTH_HELPER_CONFIG', 'ECRAUTH_HELPER_CACHE_DIR', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_ECR'
        $saved = @{}
        foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            $env:ECRAUTH_HELPER_CONFIG = Join-Path $Work 'arm64-helper.json'
            $env:ECRAUTH_HELPER_CACHE_DIR = Join-Path $Work 'arm64-helper-cache'
            Set-Content -LiteralPath $env:ECRAUTH_HELPER_CONFIG -Value ('{"version":1,"registries":{"' + $hostName + '":{}}}')
            $env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
            $env:AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
            $env:AWS_ENDPOINT_URL_ECR = $Http.Uri
            (& $Qemu $helper version) | Should -Match '^docker-credential-ecrauth \(EcrAuth\) '
            $answer = ($hostName | & $Qemu $helper get) -join ''
            $LASTEXITCODE | Should -Be 0
            ($answer | ConvertFrom-Json).Secret | Should -Be $Password
            $null = $hostName | & $Qemu $helper erase
        }
        finally { foreach ($name in $names) { Set-EnvironmentValue $name $saved[$name] } }
    }
}
