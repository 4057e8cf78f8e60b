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
    $arch = if ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'Arm64') { 'arm64' } else { 'x64' }
    $rid = if ($IsWindows) { 'win-x64' } elseif ($IsMacOS) { "osx-$arch" } else { "linux-$arch" }
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

    It 'given a token the registry no longer takes (revoked), docker logout drops it and the next get fetches a fresh one' {
        if (Test-WindowsLeg) { Set-ItResult -Skipped -Because 'the Windows leg relays docker to the Linux CLI, which cannot run the Windows helper; erase itself is tested directly' }
        $null = Use-HelperSetup
        $before = Get-RequestCount
        $null = Invoke-Helper get $Registry.Host
        $null = Invoke-Helper get $Registry.Host
        (Get-RequestCount) - $before | Should -Be 1
        # docker logout of a host in credHelpers runs the helper's erase: the cached token goes.
        $output = docker logout $Registry.Host 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output = docker manifest inspect --insecure $Image 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        (Get-RequestCount) - $before | Should -Be 2
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

    It 'given a role to assume, the default chain''s keys get the role''s from STS (moto) and ECR is asked as the role' {
        $sts = Start-Moto
        if (-not $sts) { Set-ItResult -Skipped -Because 'moto_server is not installed (.ci/run puts it in .venv)'; return }
        $previous = $env:AWS_ENDPOINT_URL_STS
        try {
            $env:AWS_ENDPOINT_URL_STS = $sts.Uri
            $null = Use-HelperSetup -Identity '{"roleArn":"arn:aws:iam::123456789012:role/ecr-pull"}'
            $before = Get-RequestCount
            $result = Invoke-Helper get $Registry.Host
            $result.ExitCode | Should -Be 0 -Because $result.Output
            ($result.Output | ConvertFrom-Json).Secret | Should -Be $Password
            $asked = @(Get-MockEcrRequest $Ecr)[-1]
            (Get-RequestCount) - $before | Should -Be 1
            $asked.access_key | Should -Not -Be $env:AWS_ACCESS_KEY_ID
            $asked.access_key | Should -Match '^ASIA' -Because 'STS hands out temporary keys'
            $asked.session_token | Should -BeTrue
            # Another role is another identity: its own token, never the first role's (same
            # configuration file and cache folder; only the role changes).
            Set-Content -LiteralPath $env:ECRAUTH_HELPER_CONFIG -Value ('{"version":1,"registries":{"' + $Registry.Host + '":{"roleArn":"arn:aws:iam::123456789012:role/other"}}}')
            $null = Invoke-Helper get $Registry.Host
            (Get-RequestCount) - $before | Should -Be 2
        }
        finally { $env:AWS_ENDPOINT_URL_STS = $previous; Stop-TestProcess $sts }
    }

    It 'given a user other than root, whose keyring holds a few tokens, a new token still gets cached: the user''s older EcrAuth tokens make room' {
        $setpriv = (Get-Command setpriv -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if ($IsWindows -or -not $IsLinux -or (id -u) -ne '0' -or -not $setpriv) {
            Set-ItResult -Skipped -Because 'it runs the helper as the user nobody (setpriv, as root on Linux): root''s keyring quota is 25 MB'
            return
        }
        # Tokens of real ECR's size (a few KB): ten of them are more than the 20,000 bytes a user may keep.
        $big = Start-MockEcr -ProxyEndpoint 'https://127.0.0.1:1' -Password ('p' * 3000)
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('ecrauth-quota-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        try {
            $null = New-Item -ItemType Directory -Path $dir, (Join-Path $dir 'cache')
            Copy-Item -LiteralPath $Helper -Destination $dir
            $hosts = 0..9 | ForEach-Object { '1000000000{0:d2}.dkr.ecr.us-east-1.amazonaws.com' -f $_ }
            $registries = [ordered]@{}; foreach ($h in $hosts) { $registries[$h] = @{} }
            Set-Content -LiteralPath (Join-Path $dir 'c.json') -Value (@{ version = 1; registries = $registries } | ConvertTo-Json -Compress)
            [IO.File]::SetUnixFileMode($dir, [IO.UnixFileMode]511)
            [IO.File]::SetUnixFileMode((Join-Path $dir 'cache'), [IO.UnixFileMode]511)
            $asNobody = {
                param([string] $Action, [string] $HostName)
                $HostName | & $setpriv --reuid=65534 --regid=65534 --clear-groups env -i "HOME=$dir" "ECRAUTH_HELPER_CONFIG=$dir/c.json" "ECRAUTH_HELPER_CACHE_DIR=$dir/cache" `
                    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=not-a-real-secret AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true `
                    "AWS_ENDPOINT_URL_ECR=$($big.Uri)" "$dir/docker-credential-ecrauth" $Action 2>&1
                $LASTEXITCODE | Should -Be 0
            }
            foreach ($h in $hosts) { $null = & $asNobody get $h }
            @(Get-MockEcrRequest $big).Count | Should -Be 10
            # The last one was stored (room was made for it): asking again costs ECR nothing.
            (& $asNobody get $hosts[-1] | ConvertFrom-Json).Secret | Should -Be ('p' * 3000)
            @(Get-MockEcrRequest $big).Count | Should -Be 10
        }
        finally {
            if (Test-Path -LiteralPath (Join-Path $dir 'c.json')) { foreach ($h in $hosts) { $null = & $asNobody erase $h } }
            Stop-TestProcess $big
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'given HTTP_PROXY in the environment docker passes on, the helper asks ECR through the proxy' {
        $saved = @{}
        foreach ($name in 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'AWS_ENDPOINT_URL_ECR') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            # The mock answers proxied requests as the endpoint; the endpoint itself is a closed port.
            $env:HTTP_PROXY = $Ecr.Uri
            Remove-Item env:HTTPS_PROXY, env:NO_PROXY -ErrorAction SilentlyContinue
            $env:AWS_ENDPOINT_URL_ECR = "http://127.0.0.1:$(Get-FreeTcpPort)"
            $null = Use-HelperSetup
            $result = Invoke-Helper get $Registry.Host
            $result.ExitCode | Should -Be 0 -Because $result.Output
            @(Get-MockEcrRequest $Ecr)[-1].proxied | Should -BeTrue
        }
        finally { foreach ($name in $saved.Keys) { Set-EnvironmentValue $name $saved[$name] } }
    }

    It 'given an HTTPS endpoint with a private CA, the helper trusts it through AWS_CA_BUNDLE and refuses it without' {
        $tls = New-TestCertificate -Directory (Join-Path $Work ('tls-' + [guid]::NewGuid().ToString('n').Substring(0, 8)))
        $secure = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -TlsCertificate (Join-Path $tls 'cert.pem') -TlsKey (Join-Path $tls 'key.pem')
        $saved = @{}
        foreach ($name in 'AWS_CA_BUNDLE', 'AWS_ENDPOINT_URL_ECR') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            $env:AWS_ENDPOINT_URL_ECR = $secure.Uri
            Remove-Item env:AWS_CA_BUNDLE -ErrorAction SilentlyContinue
            $null = Use-HelperSetup
            $refused = Invoke-Helper get $Registry.Host
            $refused.ExitCode | Should -Be 1
            $refused.Output | Should -Match 'certificate'
            $env:AWS_CA_BUNDLE = Join-Path $tls 'ca.pem'
            $null = Use-HelperSetup
            $trusted = Invoke-Helper get $Registry.Host
            $trusted.ExitCode | Should -Be 0 -Because $trusted.Output
            ($trusted.Output | ConvertFrom-Json).Secret | Should -Be $Password
        }
        finally { foreach ($name in $saved.Keys) { Set-EnvironmentValue $name $saved[$name] }; Stop-TestProcess $secure }
    }

    It 'given Windows, the token is kept DPAPI-encrypted (never the password in clear), and files over 13 hours old go when a token is stored' {
        if (-not $IsWindows) { Set-ItResult -Skipped -Because 'DPAPI files are the Windows store (Linux: the kernel keyring; macOS: the Keychain)'; return }
        $null = Use-HelperSetup
        $null = New-Item -ItemType Directory -Force -Path $env:ECRAUTH_HELPER_CACHE_DIR
        $stale = Join-Path $env:ECRAUTH_HELPER_CACHE_DIR ('0' * 32 + '.dpapi')
        Set-Content -LiteralPath $stale -Value 'old'
        (Get-Item -LiteralPath $stale).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-14)
        (Invoke-Helper get $Registry.Host).ExitCode | Should -Be 0
        Test-Path -LiteralPath $stale | Should -BeFalse
        $kept = @(Get-ChildItem -LiteralPath $env:ECRAUTH_HELPER_CACHE_DIR -Filter *.dpapi)
        $kept.Count | Should -Be 1
        [IO.File]::ReadAllBytes($kept[0].FullName) | Should -Not -BeNullOrEmpty
        [Text.Encoding]::UTF8.GetString([IO.File]::ReadAllBytes($kept[0].FullName)) | Should -Not -Match ([regex]::Escape($Password))
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
        @{ Case = 'a role that is not an ARN'; Url = ''; Setup = '{"roleArn":"ecr-pull"}'; Stdout = "'ecr-pull' is not an IAM role ARN"; Stderr = 'is not an IAM role ARN' }
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

    It 'given -ProfileName and -RoleArn, the identity is written as given, and a malformed ARN is refused before any change' {
        Register-EcrCredentialHelper -Registry $Registry.Host -ProfileName ci -RoleArn arn:aws:iam::123456789012:role/ecr-pull 3>$null
        $identity = (Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | ConvertFrom-Json).registries.($Registry.Host)
        $identity.profile | Should -Be 'ci'
        $identity.roleArn | Should -Be 'arn:aws:iam::123456789012:role/ecr-pull'
        $before = Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG
        { Register-EcrCredentialHelper -Registry $Registry.Host -RoleArn 'role/ecr-pull' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | Should -Be $before
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

    It 'given Auth-ECR -CredentialHelper again (the next shell''s $PROFILE line), it does nothing: no token request, no file change' {
        $null = Auth-ECR -UseDefaultCredentials -CredentialHelper 3>$null 6>$null
        $before = Get-RequestCount
        $file = Get-Content -Raw -LiteralPath $DockerFile
        $verbose = Auth-ECR -UseDefaultCredentials -CredentialHelper -Verbose 4>&1 3>$null 6>$null | Out-String
        Get-RequestCount | Should -Be $before
        $verbose | Should -Match ([regex]::Escape("$($Registry.Host) is served by docker-credential-ecrauth for docker") + '.*nothing to do')
        Get-Content -Raw -LiteralPath $DockerFile | Should -Be $file
        $connection = @(Get-EcrConnection -Registry $Registry.Host | Where-Object CredentialHelper)[0]
        $connection.Valid | Should -BeTrue
        $connection.ExpiresAt | Should -BeNullOrEmpty
        # Another identity registered for the host: the record is forgotten, the next call sets up again.
        Register-EcrCredentialHelper -Registry $Registry.Host -ProfileName someone-else 3>$null
        $verbose = Auth-ECR -UseDefaultCredentials -CredentialHelper -Verbose 4>&1 3>$null 6>$null | Out-String
        $verbose | Should -Not -Match 'nothing to do'
        (Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | ConvertFrom-Json).registries.($Registry.Host).profile | Should -BeNullOrEmpty
        # docker's file no longer naming the helper (edited by hand): not Valid.
        $file = Get-Content -Raw -LiteralPath $DockerFile
        Set-Content -LiteralPath $DockerFile -Value '{}'
        @(Get-EcrConnection -Registry $Registry.Host | Where-Object CredentialHelper)[0].Valid | Should -BeFalse
        Set-Content -LiteralPath $DockerFile -Value $file
        # Once docker's file no longer names the helper, the next one sets it up again.
        Unregister-EcrCredentialHelper -Registry $Registry.Host
        @(Get-EcrConnection -Registry $Registry.Host | Where-Object CredentialHelper).Count | Should -Be 0 -Because 'Unregister forgets the helper''s records'
        $null = Auth-ECR -UseDefaultCredentials -CredentialHelper 3>$null 6>$null
        (Get-Content -Raw -LiteralPath $DockerFile | ConvertFrom-Json).credHelpers.($Registry.Host) | Should -Be 'ecrauth'
    }

    It 'given a plain Auth-ECR for a host the helper serves, it runs no docker login (the helper would drop it) and the next one does nothing' {
        Register-EcrCredentialHelper -Registry $Registry.Host -Region us-east-1 3>$null
        $file = Get-Content -Raw -LiteralPath $DockerFile
        $warnings = @()
        $verbose = Auth-ECR -UseDefaultCredentials -Verbose -WarningVariable warnings 4>&1 3>$null 6>$null | Out-String
        ($warnings -join ' ') | Should -Match 'is served by docker-credential-ecrauth .*no docker login is run.*Unregister-EcrCredentialHelper'
        $verbose | Should -Not -Match 'Running: '
        Get-Content -Raw -LiteralPath $DockerFile | Should -Be $file
        $before = Get-RequestCount
        $again = Auth-ECR -UseDefaultCredentials -Verbose 4>&1 3>$null 6>$null | Out-String
        Get-RequestCount | Should -Be $before
        $again | Should -Match 'nothing to do'
    }

    It 'given Auth-ECR -CredentialHelper -RoleArn, the module assumes the role for its check and the helper''s configuration gets it' {
        $sts = Start-Moto
        if (-not $sts) { Set-ItResult -Skipped -Because 'moto_server is not installed (.ci/run puts it in .venv)'; return }
        $previous = $env:AWS_ENDPOINT_URL_STS
        try {
            $env:AWS_ENDPOINT_URL_STS = $sts.Uri
            $role = 'arn:aws:iam::123456789012:role/ecr-pull'
            $null = Auth-ECR -UseDefaultCredentials -RoleArn $role -CredentialHelper 3>$null 6>$null
            @(Get-MockEcrRequest $Ecr)[-1].access_key | Should -Match '^ASIA'
            (Get-Content -Raw -LiteralPath $env:ECRAUTH_HELPER_CONFIG | ConvertFrom-Json).registries.($Registry.Host).roleArn | Should -Be $role
        }
        finally { $env:AWS_ENDPOINT_URL_STS = $previous; Stop-TestProcess $sts }
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
