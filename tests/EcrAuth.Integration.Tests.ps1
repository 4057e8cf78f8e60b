# Integration: everything real but AWS. The native library, tests/support/mock_ecr.py as the
# ECR API (its proxyEndpoint is a local registry), Debian's Distribution registry with
# htpasswd auth, and the real docker CLI with DOCKER_CONFIG in a temp folder. 127.0.0.1 only.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:ModulePath = Join-Path $PSScriptRoot '../module/EcrAuth'
    Import-Module $ModulePath -Force
    $script:Pwsh = Get-TestPwsh
    $script:AccessKey = 'AKIAIOSFODNN7EXAMPLE'
    $script:SecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
    $script:Work = New-TestDirectory
    $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
    $script:PreviousDockerConfig = $env:DOCKER_CONFIG
    $script:Registry = Start-TestRegistry -Password $Password
    $script:Ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password

    function script:New-DockerConfig {
        # A fresh DOCKER_CONFIG folder, optionally holding an existing config.json.
        param([string] $Content)
        $dir = Join-Path $Work ('docker-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir
        if ($Content) { [System.IO.File]::WriteAllText((Join-Path $dir 'config.json'), $Content) }
        $env:DOCKER_CONFIG = $dir
        $dir
    }

    function script:Get-DockerAuth {
        param([string] $Directory, [string] $Registry)
        $path = Join-Path $Directory 'config.json'
        if (-not (Test-Path $path)) { return $null }
        $auths = (Get-Content -Raw $path | ConvertFrom-Json).auths
        $entry = $auths.PSObject.Properties[$Registry]
        if ($entry) { $entry.Value.auth } else { $null }
    }

    function script:Invoke-Captured {
        # Runs $Script, returning every stream as text and the error (if any).
        param([scriptblock] $Script)
        $failure = $null
        # Failures are non-terminating errors now: -ErrorAction Stop in the script makes them catchable.
        $output = try { & $Script *>&1 } catch { $failure = $_ }
        [pscustomobject]@{ Text = ($output | Out-String); Error = $failure; Output = $output }
    }
}

AfterAll {
    Stop-TestProcess $Ecr
    Stop-TestProcess $Registry
    $env:DOCKER_CONFIG = $PreviousDockerConfig
    Restore-Environment $PreviousAws
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Auth-ECR against a local registry' -Tag Integration {
    It 'given Constrained Language Mode (AppLocker, WDAC), Auth-ECR logs docker in, and a repeat is skipped' {
        # The commands are compiled: nothing they do is a .NET call CLM would refuse. The secret
        # goes over in the environment, not on the child's command line.
        $config = New-DockerConfig
        $previous = $env:ECRAUTH_TEST_SECRET, $env:ECRAUTH_STATE_DIR
        $env:ECRAUTH_TEST_SECRET = $SecretKey
        $env:ECRAUTH_STATE_DIR = Join-Path $Work 'clm-state'
        try {
            $login = "Auth-ECR '$AccessKey' `$env:ECRAUTH_TEST_SECRET -EndpointUrl '$($Ecr.Uri)' -PassThru -Verbose 4>&1 6>`$null | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { 'verbose: ' + `$_.Message } else { 'login: ' + `$_.Registry } }"
            $script = "`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'; Import-Module '$ModulePath'; $login; $login; `$ExecutionContext.SessionState.LanguageMode"
            $output = @(& $Pwsh -NoProfile -NonInteractive -Command $script 2>&1)
        }
        finally { $env:ECRAUTH_TEST_SECRET, $env:ECRAUTH_STATE_DIR = $previous }
        $output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -BeNullOrEmpty
        $output[-1] | Should -Be 'ConstrainedLanguage'
        @($output -like 'login: *') | Should -Be @("login: $($Registry.Host)", "login: $($Registry.Host)")
        @($output -like 'verbose: Already logged in*').Count | Should -Be 1 -Because 'the second call is a repeat while the login is valid'
        $expected = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("AWS:$Password"))
        Get-DockerAuth $config $Registry.Host | Should -Be $expected
        ($output | Out-String) | Should -Not -Match ([regex]::Escape($SecretKey))
    }

    It 'given valid keys, docker is logged in and the config holds the registry auth' {
        $config = New-DockerConfig
        $login = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -PassThru 6>$null

        $expected = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("AWS:$Password"))
        Get-DockerAuth $config $Registry.Host | Should -Be $expected
        $login.PSObject.TypeNames[0] | Should -Be 'EcrAuth.Login'
        $login.Registry | Should -Be $Registry.Host
        $login.Username | Should -Be 'AWS'
        $login.ProxyEndpoint | Should -Be "http://$($Registry.Host)"
        $login.ExpiresAt | Should -BeOfType [datetime]
        $login.ExpiresAt.Kind | Should -Be 'Utc'
        $login.ExpiresAt | Should -BeGreaterThan ([DateTime]::UtcNow.AddHours(11))
        $login.PSObject.Properties.Name | Should -Not -Contain 'Password'
    }

    It 'given valid keys, the ECR request is signed for the key and region' {
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey eu-west-2 -EndpointUrl $Ecr.Uri -SessionToken 'FwoGZXIvYXdzEXAMPLETOKEN' 6>$null
        $last = (Get-MockEcrRequest $Ecr)[-1]
        $last.target | Should -Be 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'
        $last.access_key | Should -Be $AccessKey
        $last.region | Should -Be 'eu-west-2'
        $last.session_token | Should -BeTrue
    }

    It 'given no -PassThru, it writes nothing to the pipeline and says Login Succeeded on the host' {
        $null = New-DockerConfig
        $pipeline = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $pipeline | Should -BeNullOrEmpty
        $information = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>&1
        "$information" | Should -Match 'Login Succeeded'
    }

    It 'given -Verbose, it says what happens and never shows a secret' {
        $null = New-DockerConfig
        $run = Invoke-Captured { Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -SessionToken 'SESSION-SECRET-TOKEN' -Verbose }
        $run.Error | Should -BeNullOrEmpty
        $run.Text | Should -Match 'Requesting an ECR authorization token'
        $run.Text | Should -Match '--password-stdin'
        $run.Text | Should -Not -Match ([regex]::Escape($Password))
        $run.Text | Should -Not -Match ([regex]::Escape($SecretKey))
        $run.Text | Should -Not -Match 'SESSION-SECRET-TOKEN'
    }

    It 'given a login in progress, no process command line ever holds a secret' {
        $null = New-DockerConfig
        $watch = Invoke-WithCommandLineWatch {
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -SessionToken 'SESSION-SECRET-TOKEN' 6>$null
        }
        $lines = $watch.CommandLines
        $lines | Where-Object { $_ -match 'docker login --username AWS --password-stdin' } | Should -Not -BeNullOrEmpty -Because 'the watcher must have seen docker run'
        $lines | Where-Object { $_.Contains($Password) } | Should -BeNullOrEmpty
        $lines | Where-Object { $_.Contains($SecretKey) } | Should -BeNullOrEmpty
        $lines | Where-Object { $_.Contains('SESSION-SECRET-TOKEN') } | Should -BeNullOrEmpty
    }

    It 'given several registry ids, one login runs per returned registry' {
        $config = New-DockerConfig
        $logins = Auth-ECR $AccessKey $SecretKey -RegistryId 111122223333, 444455556666 -EndpointUrl $Ecr.Uri -PassThru 6>$null
        @($logins).Count | Should -Be 2
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }
}

Describe 'Auth-ECR failures' -Tag Integration {
    It 'given a registry that refuses the password, it fails clearly and writes nothing' {
        $before = '{"auths":{"other.example":{"auth":"b3RoZXI6dmFsdWU="}}}'
        $config = New-DockerConfig -Content $before
        $wrong = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password 'not-the-registry-password'
        try {
            $run = Invoke-Captured { Auth-ECR $AccessKey $SecretKey -EndpointUrl $wrong.Uri -Verbose -ErrorAction Stop }
        }
        finally { Stop-TestProcess $wrong }
        $run.Error.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'EcrAuth.ClientLoginFailed*'
        $run.Error.Exception.Message | Should -Match '401 Unauthorized'
        $run.Error.Exception.Message | Should -Not -Match 'not-the-registry-password'
        $run.Text | Should -Not -Match 'not-the-registry-password'
        ($Error | Out-String) | Should -Not -Match 'not-the-registry-password'
        Get-Content -Raw (Join-Path $config 'config.json') | Should -Be $before
    }

    It 'given ECR refuses the key (<Code>), the error is <Category>' -TestCases @(
        @{ Code = 'UnrecognizedClientException'; Status = 400; Category = 'AuthenticationError'; Id = 'AuthFailed' }
        @{ Code = 'InvalidSignatureException'; Status = 400; Category = 'AuthenticationError'; Id = 'AuthFailed' }
        @{ Code = 'AccessDeniedException'; Status = 403; Category = 'PermissionDenied'; Id = 'AccessDenied' }
        @{ Code = 'InvalidParameterException'; Status = 400; Category = 'InvalidArgument'; Id = 'InvalidArgument' }
        @{ Code = 'ServerException'; Status = 500; Category = 'ResourceUnavailable'; Id = 'ServiceError' }
    ) {
        $config = New-DockerConfig
        $failing = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -Fail $Code -Status $Status
        try {
            $run = Invoke-Captured { Auth-ECR $AccessKey $SecretKey -EndpointUrl $failing.Uri -TimeoutSec 10 -ErrorAction Stop }
        }
        finally { Stop-TestProcess $failing }
        $run.Error.CategoryInfo.Category | Should -Be $Category
        $run.Error.FullyQualifiedErrorId | Should -BeLike "EcrAuth.$Id*"
        $run.Error.Exception.Message | Should -Match $Code
        Test-Path (Join-Path $config 'config.json') | Should -BeFalse
    }

    It 'given an endpoint that refuses connections, the error is ConnectionError' {
        $null = New-DockerConfig
        $port = Get-FreeTcpPort
        $run = Invoke-Captured { Auth-ECR $AccessKey $SecretKey -EndpointUrl "http://127.0.0.1:$port" -ErrorAction Stop }
        $run.Error.CategoryInfo.Category | Should -Be 'ConnectionError'
        $run.Error.Exception.Message | Should -Match 'could not reach the ECR endpoint'
    }

    It 'given an endpoint that never answers, -TimeoutSec holds' {
        $null = New-DockerConfig
        $listener = New-Object System.Net.Sockets.TcpListener([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()  # accepts into the backlog, never answers
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $run = Invoke-Captured { Auth-ECR $AccessKey $SecretKey -EndpointUrl "http://127.0.0.1:$($listener.LocalEndpoint.Port)" -TimeoutSec 1 -ErrorAction Stop }
            $watch.Stop()
        }
        finally { $listener.Stop() }
        $run.Error.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'given the registry is down, docker''s own error surfaces as ConnectionError' {
        $config = New-DockerConfig
        $down = Start-MockEcr -ProxyEndpoint "http://127.0.0.1:$(Get-FreeTcpPort)" -Password $Password
        try { $run = Invoke-Captured { Auth-ECR $AccessKey $SecretKey -EndpointUrl $down.Uri -ErrorAction Stop } }
        finally { Stop-TestProcess $down }
        $run.Error.CategoryInfo.Category | Should -Be 'ConnectionError'
        $run.Error.Exception.Message | Should -Match 'connection refused'
        Test-Path (Join-Path $config 'config.json') | Should -BeFalse
    }

    It 'given a failure, the shell survives and the next login works' {
        $config = New-DockerConfig
        { Auth-ECR $AccessKey $SecretKey -EndpointUrl "http://127.0.0.1:$(Get-FreeTcpPort)" -ErrorAction Stop } | Should -Throw
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }
}

Describe 'Auth-ECR from a $PROFILE' -Tag Integration {
    It 'given a new pwsh whose profile imports EcrAuth by name and calls Auth-ECR, the login works' {
        $config = New-DockerConfig
        $profileHome = Join-Path $Work 'profile-home'
        $profileDir = Join-Path $profileHome '.config/powershell'
        # Windows keeps $PROFILE in Documents\PowerShell (the Windows leg's Wine profile is new for each run).
        if ($IsWindows) { $profileHome = [Environment]::GetFolderPath('MyDocuments'); $profileDir = Join-Path $profileHome 'PowerShell' }
        $null = New-Item -ItemType Directory -Force -Path $profileDir
        $profileScript = @"
Import-Module EcrAuth
Auth-ECR '$AccessKey' '$SecretKey' -EndpointUrl '$($Ecr.Uri)' 6>`$null
"@
        Set-Content -LiteralPath (Join-Path $profileDir 'Microsoft.PowerShell_profile.ps1') -Value $profileScript
        $previous = @{ XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; PSModulePath = $env:PSModulePath }
        try {
            $env:XDG_CONFIG_HOME = Join-Path $profileHome '.config'
            $env:PSModulePath = (Resolve-Path (Split-Path $ModulePath)).Path + [IO.Path]::PathSeparator + $env:PSModulePath
            $output = & $Pwsh -NoLogo -NonInteractive -Command '(Get-Command Auth-ECR).Source; $PROFILE' 2>&1
            $exit = $LASTEXITCODE
        }
        finally {
            $env:XDG_CONFIG_HOME = $previous.XDG_CONFIG_HOME
            $env:PSModulePath = $previous.PSModulePath
            if ($IsWindows) { Remove-Item -LiteralPath (Join-Path $profileDir 'Microsoft.PowerShell_profile.ps1') }
        }
        $exit | Should -Be 0
        $output[0] | Should -Be 'EcrAuth'
        $output[1] | Should -BeLike "$profileHome*"
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }
}
