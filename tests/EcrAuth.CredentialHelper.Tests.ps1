# docker-credential-ecrauth, the credential helper, driven by the real docker CLI: `docker
# manifest inspect` against the local registry (daemon-free) authenticates through it, with the
# mock ECR endpoint as the ECR API. 127.0.0.1 only; AWS files and keys are the test's own.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:ModulePath = Join-Path $PSScriptRoot '../module/EcrAuth'
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
    $script:Work = New-TestDirectory
    $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
    $script:Saved = @{}
    foreach ($name in 'PATH', 'DOCKER_CONFIG', 'ECRAUTH_HELPER_CONFIG', 'ECRAUTH_HELPER_CACHE_DIR', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_ECR') {
        $Saved[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $rid = if ($IsWindows) { 'win-x64' } elseif ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'Arm64') { 'linux-arm64' } else { 'linux-x64' }
    $file = if ($IsWindows) { 'docker-credential-ecrauth.exe' } else { 'docker-credential-ecrauth' }
    $script:Helper = Join-Path $ModulePath "$rid/$file"
    $script:Registry = Start-TestRegistry -Password $Password
    $script:Image = Publish-TestManifest -Registry $Registry -Password $Password
    $script:Ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password
    # docker finds the helper by name on PATH.
    $script:Bin = Join-Path $Work 'bin'
    $null = New-Item -ItemType Directory -Path $Bin
    if (Test-Path -LiteralPath $Helper) { Copy-Item -LiteralPath $Helper -Destination $Bin }
    $env:PATH = $Bin + [IO.Path]::PathSeparator + $env:PATH
    # The default credential chain from the environment, as on a build server.
    $env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
    $env:AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $env:AWS_REGION = 'us-east-1'
    $env:AWS_ENDPOINT_URL_ECR = $Ecr.Uri

    function script:Use-HelperSetup {
        # A fresh helper configuration, token cache folder and docker config naming the helper
        # for the registry. Returns the folder.
        param([string] $Identity = '{}', [string] $HostName = $Registry.Host, [switch] $NoCredHelpers)
        $dir = Join-Path $Work ('setup-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir, (Join-Path $dir 'docker')
        $env:ECRAUTH_HELPER_CONFIG = Join-Path $dir 'credential-helper.json'
        $env:ECRAUTH_HELPER_CACHE_DIR = Join-Path $dir 'cache'
        Set-Content -LiteralPath $env:ECRAUTH_HELPER_CONFIG -Value ('{"version":1,"registries":{"' + $HostName + '":' + $Identity + '}}')
        $env:DOCKER_CONFIG = Join-Path $dir 'docker'
        $docker = if ($NoCredHelpers) { '{}' } else { '{"credHelpers":{"' + $Registry.Host + '":"ecrauth"}}' }
        Set-Content -LiteralPath (Join-Path $dir 'docker/config.json') -Value $docker
        # Each test starts without a cached token: the key covers the configuration, not the test.
        $null = $Registry.Host | & $Helper erase
        $dir
    }
    function script:Invoke-Helper([string] $Action, [string] $InputText) {
        $output = $InputText | & $Helper $Action 2>$null
        [pscustomobject]@{ Output = ($output -join "`n"); ExitCode = $LASTEXITCODE }
    }
    function script:Get-RequestCount { @(Get-MockEcrRequest $Ecr).Count }
}

AfterAll {
    Stop-TestProcess $Ecr
    Stop-TestProcess $Registry
    foreach ($name in $Saved.Keys) { Set-EnvironmentValue $name $Saved[$name] }
    Restore-Environment $PreviousAws
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'docker-credential-ecrauth' -Tag Integration {
    BeforeEach {
        if (-not (Test-Path -LiteralPath $Helper)) { Set-ItResult -Skipped -Because "the helper is not built for this platform ($Helper): pwsh ./build.ps1 Build" }
    }

    It 'given no helper for the registry, docker manifest inspect fails with "no basic auth credentials"' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper; the helper itself is tested directly' }
        $null = Use-HelperSetup -NoCredHelpers
        $output = docker manifest inspect --insecure $Image 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $output | Should -Match 'no basic auth credentials|unauthorized'
    }

    It 'given the helper in credHelpers, docker manifest inspect authenticates through it' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper; the helper itself is tested directly' }
        $null = Use-HelperSetup
        $output = docker manifest inspect --insecure $Image 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match 'application/vnd.oci.image.manifest.v1\+json'
        $output | Should -Not -Match ([regex]::Escape($Password))
    }

    It 'given two docker manifest inspect runs (a dozen gets), the mock ECR sees one GetAuthorizationToken' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper; the helper itself is tested directly' }
        $null = Use-HelperSetup
        $before = Get-RequestCount
        foreach ($i in 1..2) {
            $null = docker manifest inspect --insecure $Image 2>&1
            $LASTEXITCODE | Should -Be 0
        }
        (Get-RequestCount) - $before | Should -Be 1
    }

    It 'given eight gets racing, one fetches and the others reuse its token' {
        $null = Use-HelperSetup
        $before = Get-RequestCount
        $helper = $Helper; $hostName = $Registry.Host
        $answers = 1..8 | ForEach-Object -ThrottleLimit 8 -Parallel { ($using:hostName | & $using:helper get 2>$null) -join '' }
        foreach ($answer in $answers) { ($answer | ConvertFrom-Json).Secret | Should -Be $Password }
        (Get-RequestCount) - $before | Should -Be 1
    }

    It 'given a token with less than the reuse margin left, every get fetches a fresh one' {
        $short = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -Ttl 600
        $previous = $env:AWS_ENDPOINT_URL_ECR
        try {
            $env:AWS_ENDPOINT_URL_ECR = $short.Uri
            $null = Use-HelperSetup
            foreach ($i in 1..2) { (Invoke-Helper get $Registry.Host).ExitCode | Should -Be 0 }
            @(Get-MockEcrRequest $short).Count | Should -Be 2
        }
        finally { $env:AWS_ENDPOINT_URL_ECR = $previous; Stop-TestProcess $short }
    }

    It 'given another access key, the cached token of the first is not served' {
        $null = Use-HelperSetup
        $before = Get-RequestCount
        $null = Invoke-Helper get $Registry.Host
        $previous = $env:AWS_ACCESS_KEY_ID
        try {
            $env:AWS_ACCESS_KEY_ID = 'AKIAI44QH8DHBEXAMPLE'
            $null = Invoke-Helper get $Registry.Host
        }
        finally { $env:AWS_ACCESS_KEY_ID = $previous }
        (Get-RequestCount) - $before | Should -Be 2
    }

    It 'given the protocol''s other actions, list names the configured hosts, version answers, store and erase succeed' {
        $null = Use-HelperSetup
        (Invoke-Helper list '').Output | ConvertFrom-Json -AsHashtable | ForEach-Object { $_[$Registry.Host] } | Should -Be 'AWS'
        (Invoke-Helper version '').Output | Should -Match '^docker-credential-ecrauth \(EcrAuth\) \d+\.\d+\.\d+'
        $store = Invoke-Helper store ('{"ServerURL":"' + $Registry.Host + '","Username":"AWS","Secret":"x"}')
        $store.ExitCode | Should -Be 0
        (Invoke-Helper erase $Registry.Host).ExitCode | Should -Be 0
    }

    It 'given docker login to a host the helper owns, it succeeds (store is accepted and ignored)' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper; the helper itself is tested directly' }
        $null = Use-HelperSetup
        $output = $Password | docker login --username AWS --password-stdin $Registry.Host 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        (Get-Content -Raw (Join-Path $env:DOCKER_CONFIG 'config.json')) | Should -Not -Match ([regex]::Escape($Password))
    }

    It 'given <Case>, get fails with exit code 1, the protocol''s message on stdout and the cause on stderr' -TestCases @(
        @{ Case = 'a host it does not own'; Url = 'ghcr.io'; Setup = '{}'; Stdout = '^credentials not found in native keychain$'; Stderr = 'ghcr.io is not in .*credential-helper.json' }
        @{ Case = 'an unknown profile'; Url = ''; Setup = '{"profile":"nope"}'; Stdout = "the AWS profile 'nope' was not found in"; Stderr = "profile 'nope' was not found in .*config" }
        @{ Case = 'a configuration that is not JSON'; Url = ''; Setup = 'not json'; Stdout = 'not a valid EcrAuth helper configuration'; Stderr = 'not a valid EcrAuth helper configuration' }
        @{ Case = 'an unknown field (a secret has no place there)'; Url = ''; Setup = '{"secretKey":"x"}'; Stdout = 'unknown field'; Stderr = 'unknown field' }
    ) {
        $null = Use-HelperSetup -Identity $Setup
        $url = if ($Url) { $Url } else { $Registry.Host }
        $causeFile = Join-Path $Work 'stderr.txt'
        $answer = ($url | & $Helper get 2>$causeFile) -join "`n"
        $LASTEXITCODE | Should -Be 1
        $answer | Should -Match $Stdout
        $cause = Get-Content -Raw -LiteralPath $causeFile
        @($cause.Trim() -split "`n").Count | Should -Be 1
        $cause | Should -Match "^docker-credential-ecrauth: .*$Stderr"
        "$answer $cause" | Should -Not -Match ([regex]::Escape($env:AWS_SECRET_ACCESS_KEY))
    }

    It 'given an ECR endpoint that refuses the account (AccessDenied), docker shows the helper''s reason' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper; the helper itself is tested directly' }
        $denied = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -Fail AccessDeniedException
        $previous = $env:AWS_ENDPOINT_URL_ECR
        try {
            $env:AWS_ENDPOINT_URL_ECR = $denied.Uri
            $null = Use-HelperSetup
            $output = docker manifest inspect --insecure $Image 2>&1 | Out-String
            $LASTEXITCODE | Should -Not -Be 0
            $output | Should -Match 'AccessDenied'
        }
        finally { $env:AWS_ENDPOINT_URL_ECR = $previous; Stop-TestProcess $denied }
    }

    It 'given no network to ECR, get fails with the endpoint named, and writes no file' {
        $previous = $env:AWS_ENDPOINT_URL_ECR
        try {
            $env:AWS_ENDPOINT_URL_ECR = "http://127.0.0.1:$(Get-FreeTcpPort)"
            $dir = Use-HelperSetup
            $before = @(Get-ChildItem -LiteralPath $dir -Recurse -File | Where-Object { $_.Extension -ne '.lock' }).FullName
            $result = Invoke-Helper get $Registry.Host
            $result.ExitCode | Should -Be 1
            $result.Output | Should -Match 'could not get an ECR token'
            @(Get-ChildItem -LiteralPath $dir -Recurse -File | Where-Object { $_.Extension -ne '.lock' }).FullName | Should -Be $before
        }
        finally { $env:AWS_ENDPOINT_URL_ECR = $previous }
    }
}

Describe 'Register-EcrCredentialHelper and Unregister-EcrCredentialHelper' -Tag Integration {
    BeforeAll {
        Import-Module $ModulePath -Force
    }
    BeforeEach {
        if (-not (Test-Path -LiteralPath $Helper)) { Set-ItResult -Skipped -Because "the helper is not built for this platform ($Helper): pwsh ./build.ps1 Build" }
        $script:Setup = Join-Path $Work ('register-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $Setup
        $env:ECRAUTH_HELPER_CONFIG = Join-Path $Setup 'credential-helper.json'
        $env:ECRAUTH_HELPER_CACHE_DIR = Join-Path $Setup 'cache'
        # On Windows, docker's folder without DOCKER_CONFIG: %USERPROFILE%\.docker.
        $script:SavedProfile = $env:USERPROFILE
        if ($IsWindows) { $env:USERPROFILE = $Setup; Remove-Item env:DOCKER_CONFIG -ErrorAction SilentlyContinue; $script:DockerFolder = Join-Path $Setup '.docker' }
        else { $env:DOCKER_CONFIG = Join-Path $Setup 'docker'; $script:DockerFolder = $env:DOCKER_CONFIG }
        $null = New-Item -ItemType Directory -Force -Path $DockerFolder
        $script:DockerFile = Join-Path $DockerFolder 'config.json'
        Set-Content -LiteralPath $DockerFile -Value ('{"auths":{"ghcr.io":{"auth":"eA=="},"' + $Registry.Host + '":{"auth":"QVdTOnN0YWxl"}},"currentContext":"default"}')
    }
    AfterEach { $env:USERPROFILE = $SavedProfile }

    It 'given -WhatIf, it shows each change and writes nothing' {
        $before = Get-Content -Raw -LiteralPath $DockerFile
        # A compiled cmdlet's "What if:" lines go to the host: read them from a child shell's output.
        $output = & (Get-TestPwsh) -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; Register-EcrCredentialHelper -Registry '$($Registry.Host)' -Region us-east-1 -WhatIf 3>`$null" 2>&1 | Out-String
        $output | Should -Match ([regex]::Escape("credHelpers.$($Registry.Host) = `"ecrauth`""))
        $output | Should -Match 'served by the default credential chain, region us-east-1'
        Get-Content -Raw -LiteralPath $DockerFile | Should -Be $before
        Test-Path -LiteralPath $env:ECRAUTH_HELPER_CONFIG | Should -BeFalse
    }

    It 'given a registry, docker''s file (%USERPROFILE%\.docker on Windows) gets credHelpers, every other key kept and the stale login gone' {
        Register-EcrCredentialHelper -Registry $Registry.Host -Region us-east-1 3>$null
        $config = Get-Content -Raw -LiteralPath $DockerFile | ConvertFrom-Json
        $config.credHelpers.($Registry.Host) | Should -Be 'ecrauth'
        $config.auths.'ghcr.io'.auth | Should -Be 'eA=='
        $config.auths.PSObject.Properties.Name | Should -Not -Contain $Registry.Host
        $config.currentContext | Should -Be 'default'
        (Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | ConvertFrom-Json).registries.($Registry.Host).region | Should -Be 'us-east-1'
        if (-not $IsWindows) { [int](Get-Item -LiteralPath $env:ECRAUTH_HELPER_CONFIG).UnixFileMode | Should -Be 384 -Because 'a new file is owner-only (0600)' }
    }

    It 'given a registered registry, docker authenticates through the helper' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper' }
        Register-EcrCredentialHelper -Registry $Registry.Host -Region us-east-1 3>$null
        $output = docker manifest inspect --insecure $Image 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
    }

    It 'given the helper is not on PATH, it warns with the line that puts it there' {
        $previous = $env:PATH
        try {
            $env:PATH = ($env:PATH -split [IO.Path]::PathSeparator | Where-Object { $_ -ne $Bin }) -join [IO.Path]::PathSeparator
            $warnings = @()
            Register-EcrCredentialHelper -Registry $Registry.Host -Region us-east-1 -WarningVariable warnings 3>$null
            ($warnings -join ' ') | Should -Match ([regex]::Escape('$env:PATH = ''' + [IO.Path]::GetFullPath((Split-Path $Helper)) + ''''))
        }
        finally { $env:PATH = $previous }
    }

    It 'given Unregister-EcrCredentialHelper, the entry and the identity go, and the other keys stay' {
        Register-EcrCredentialHelper -Registry $Registry.Host -Region us-east-1 3>$null
        Unregister-EcrCredentialHelper -Registry $Registry.Host
        $config = Get-Content -Raw -LiteralPath $DockerFile | ConvertFrom-Json
        @($config.credHelpers.PSObject.Properties).Count | Should -Be 0
        $config.auths.'ghcr.io'.auth | Should -Be 'eA=='
        @((Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | ConvertFrom-Json).registries.PSObject.Properties).Count | Should -Be 0
    }

    It 'given Auth-ECR -UseDefaultCredentials -CredentialHelper, the credentials'' registry is set up for the helper and docker authenticates through it' {
        $logins = Auth-ECR -UseDefaultCredentials -CredentialHelper -PassThru 3>$null 6>$null
        @($logins).Registry | Should -Be $Registry.Host
        (Get-Content -Raw -LiteralPath $DockerFile | ConvertFrom-Json).credHelpers.($Registry.Host) | Should -Be 'ecrauth'
        (Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | ConvertFrom-Json).registries.PSObject.Properties.Name | Should -Be $Registry.Host
        if (-not (Test-WindowsLeg)) {
            # (The Windows leg relays docker to the Linux CLI, which cannot run the Windows helper.)
            $output = docker manifest inspect --insecure $Image 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $output
        }
    }

    It 'given Auth-ECR -CredentialHelper with keys or with helm, it refuses before changing anything' {
        $before = Get-Content -Raw -LiteralPath $DockerFile
        { Auth-ECR AKIAIOSFODNN7EXAMPLE secret -CredentialHelper } | Should -Throw -ErrorId 'EcrAuth.CredentialHelperNeedsProfile,*'
        { Auth-ECR -UseDefaultCredentials -CredentialHelper -Client helm } | Should -Throw -ErrorId 'EcrAuth.CredentialHelperClientUnsupported,*'
        Get-Content -Raw -LiteralPath $DockerFile | Should -Be $before
    }

    It 'given a docker config.json that is not JSON, it says so and leaves the file as it is' {
        Set-Content -LiteralPath $DockerFile -Value '{ not json'
        $failed = $null
        Register-EcrCredentialHelper -Registry $Registry.Host -ErrorAction SilentlyContinue -ErrorVariable failed 3>$null
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'EcrAuth.CredentialHelperSetupFailed,*'
        $failed[0].Exception.Message | Should -Match 'is not valid JSON'
        (Get-Content -Raw -LiteralPath $DockerFile).Trim() | Should -Be '{ not json'
    }
}
