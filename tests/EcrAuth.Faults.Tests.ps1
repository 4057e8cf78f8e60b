# Faults, concurrency and secrets: each fault ends with a clear error and leaves the previous
# Docker config byte-for-byte intact; 8 runspaces x 50 logins never mix; no secret reaches a
# command line, a stream or a file. 127.0.0.1 only.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:ModulePath = Join-Path $PSScriptRoot '../module/EcrAuth'
    Import-Module $ModulePath -Force
    $script:AccessKey = 'AKIAIOSFODNN7EXAMPLE'
    $script:SecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
    $script:Work = New-TestDirectory
    $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
    $script:PreviousDockerConfig = $env:DOCKER_CONFIG
    $script:PreviousPath = $env:PATH
    $script:Registry = Start-TestRegistry -Password $Password
    $script:ExistingConfig = '{"auths":{"previous.example":{"auth":"cHJldmlvdXM6bG9naW4="}}}'

    function script:New-ExistingDockerConfig {
        $dir = Join-Path $Work ('docker-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir
        [IO.File]::WriteAllText((Join-Path $dir 'config.json'), $ExistingConfig)
        $env:DOCKER_CONFIG = $dir
        $dir
    }
}

AfterAll {
    Stop-TestProcess $Registry
    $env:DOCKER_CONFIG = $PreviousDockerConfig
    $env:PATH = $PreviousPath
    Restore-Environment $PreviousAws
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Faults' -Tag Integration {
    It 'given <Fault>, it fails as <Category> and the previous Docker config is intact' -TestCases @(
        @{ Fault = 'an endpoint refusing connections'; Mock = $null; Endpoint = 'closed'; Category = 'ConnectionError'; Pattern = 'could not reach' }
        @{ Fault = 'an endpoint that never answers'; Mock = $null; Endpoint = 'silent'; Category = 'OperationTimeout'; Pattern = 'did not answer within the timeout' }
        @{ Fault = 'HTTP 403'; Mock = @{ Fail = 'AccessDeniedException'; Status = 403 }; Category = 'PermissionDenied'; Pattern = 'AccessDeniedException' }
        @{ Fault = 'a malformed token'; Mock = @{ Answer = 'bad-token' }; Category = 'InvalidData'; Pattern = 'not valid base64' }
        @{ Fault = 'an empty authorizationData'; Mock = @{ Answer = 'empty' }; Category = 'InvalidData'; Pattern = 'without any authorization data' }
        @{ Fault = 'the registry down'; Mock = @{ ProxyEndpoint = 'down' }; Category = 'ConnectionError'; Pattern = 'connection refused' }
        @{ Fault = 'docker login refused'; Mock = @{ Password = 'wrong-password' }; Category = 'AuthenticationError'; Pattern = '401 Unauthorized' }
        @{ Fault = 'docker missing'; Mock = @{}; Path = 'empty'; Category = 'ObjectNotFound'; Pattern = 'not found on PATH' }
    ) {
        $config = New-ExistingDockerConfig
        $ecr = $null; $listener = $null
        try {
            switch ($Endpoint) {
                'closed' { $uri = "http://127.0.0.1:$(Get-FreeTcpPort)" }
                'silent' {
                    $listener = New-Object System.Net.Sockets.TcpListener([System.Net.IPAddress]::Loopback, 0)
                    $listener.Start()
                    $uri = "http://127.0.0.1:$($listener.LocalEndpoint.Port)"
                }
                default {
                    $options = @{ ProxyEndpoint = "http://$($Registry.Host)"; Password = $Password }
                    foreach ($key in $Mock.Keys) { $options[$key] = $Mock[$key] }
                    if ($options.ProxyEndpoint -eq 'down') { $options.ProxyEndpoint = "http://127.0.0.1:$(Get-FreeTcpPort)" }
                    $ecr = Start-MockEcr @options
                    $uri = $ecr.Uri
                }
            }
            if ($Path -eq 'empty') { $env:PATH = Join-Path $Work 'empty-bin' }
            $failure = $null
            # Short for the silent endpoint; long enough elsewhere that retries end on their own.
            $timeout = if ($Endpoint -eq 'silent') { 2 } else { 15 }
            try { Auth-ECR $AccessKey $SecretKey -EndpointUrl $uri -TimeoutSec $timeout -Force -ErrorAction Stop 6>$null } catch { $failure = $_ }
        }
        finally {
            $env:PATH = $PreviousPath
            if ($listener) { $listener.Stop() }
            Stop-TestProcess $ecr
        }
        $failure | Should -Not -BeNullOrEmpty
        $failure.CategoryInfo.Category | Should -Be $Category
        $failure.Exception.Message | Should -Match $Pattern
        $failure.Exception.Message | Should -Not -Match ([regex]::Escape($Password))
        [IO.File]::ReadAllText((Join-Path $config 'config.json')) | Should -Be $ExistingConfig
        @(Get-ChildItem -LiteralPath $config).Name | Should -Be @('config.json')
    }

    It 'given a 500 and then a 200, the call is retried and the login works' {
        $config = New-ExistingDockerConfig
        $ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -FailFirst 1
        try { Auth-ECR $AccessKey $SecretKey -EndpointUrl $ecr.Uri -Force 6>$null; $requests = @(Get-MockEcrRequest $ecr) }
        finally { Stop-TestProcess $ecr }
        $requests.Count | Should -Be 2
        [IO.File]::ReadAllText((Join-Path $config 'config.json')) | Should -Match ([regex]::Escape($Registry.Host))
        [IO.File]::ReadAllText((Join-Path $config 'config.json')) | Should -Match 'previous.example'
    }
}

Describe 'Concurrency' -Tag Integration {
    It 'given 8 runspaces x 50 logins at once, none crashes and none gets another''s password' {
        $bin = Join-Path $Work 'concurrent-bin'
        $fake = New-FakeClient -Directory $bin -Name 'docker'
        $ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password 'base' -PerRegistry
        $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
        try {
            $results = 1..8 | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module $using:ModulePath
                $account = '1000000000{0:d2}' -f $_
                foreach ($i in 1..50) {
                    $login = Auth-ECR $using:AccessKey $using:SecretKey -RegistryId $account -EndpointUrl $using:ecr.Uri -Force -PassThru 6>$null
                    $password = Get-EcrLoginPassword $using:AccessKey $using:SecretKey -RegistryId $account -EndpointUrl $using:ecr.Uri
                    [pscustomobject]@{ Account = $account; Registry = $login.Registry; Password = $password }
                }
            }
        }
        finally {
            $env:PATH = $PreviousPath
            Stop-TestProcess $ecr
        }
        $results.Count | Should -Be 400
        foreach ($result in $results) {
            $result.Registry | Should -Be "$($result.Account).dkr.ecr.us-east-1.amazonaws.com"
            $result.Password | Should -Be "base-$($result.Account)"
        }
        # Every docker run got the password that belongs to the host it was given.
        $runs = @(Get-Content $fake.LogFile)
        $runs.Count | Should -Be 400
        foreach ($run in $runs) {
            $arguments, $stdin = $run -split '\|', 2
            $account = ($arguments -split ' ')[-1].Split('.')[0]
            $stdin | Should -Be "base-$account"
        }
    }
}

Describe 'Secrets' -Tag Integration {
    It 'given a full run, no secret is in any command line, stream or file EcrAuth writes' {
        $env:DOCKER_CONFIG = Join-Path $Work 'docker-secrets'
        $env:ECRAUTH_STATE_DIR = Join-Path $Work 'state-secrets'
        $ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password
        $token = 'SESSION-TOKEN-' + [guid]::NewGuid().ToString('n')
        # Secrets live in variables: a literal would show up in PowerShell's own position messages.
        $wrongSecret = 'wrong/' + [guid]::NewGuid().ToString('n')
        try {
            $watch = Invoke-WithCommandLineWatch {
                & {
                    Auth-ECR $AccessKey $SecretKey -SessionToken $token -EndpointUrl $ecr.Uri -PassThru -Verbose -Debug
                    Auth-ECR $AccessKey $SecretKey -SessionToken $token -EndpointUrl $ecr.Uri -PassThru -Verbose
                    Get-EcrConnection -Verbose
                    Disconnect-EcrRegistry -Verbose
                    try { Auth-ECR $AccessKey $wrongSecret -EndpointUrl "http://127.0.0.1:$(Get-FreeTcpPort)" -Verbose -ErrorAction Stop } catch { $_ }
                } *>&1 | Out-String -Width 400
            }
        }
        finally { Stop-TestProcess $ecr }
        $streams = $watch.Output
        $seen = $watch.CommandLines
        $files = @(Get-ChildItem -LiteralPath $env:ECRAUTH_STATE_DIR -Recurse -File -ErrorAction SilentlyContinue | ForEach-Object { Get-Content -Raw $_.FullName })
        $everything = @($streams) + @($seen) + $files + ($Error | Out-String)
        $text = $everything -join "`n"
        $seen | Where-Object { $_ -match 'login --username AWS --password-stdin' } | Should -Not -BeNullOrEmpty
        $streams | Should -Match 'Login Succeeded'
        foreach ($secret in $Password, $SecretKey, $token, $wrongSecret) {
            $text.Contains($secret) | Should -BeFalse -Because "'$secret' must not leak"
        }
    }
}
