# Every way people log in: credential sources, registries, ECR Public, clients, repeat logins,
# log out and status, pipes, networks. Real docker + registry where a login can happen; fake
# executables only for clients (and hosts) that cannot exist here. 127.0.0.1 only.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:ModulePath = Join-Path $PSScriptRoot '../module/EcrAuth'
    Import-Module $ModulePath -Force
    $script:Pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
    $script:AccessKey = 'AKIAIOSFODNN7EXAMPLE'
    $script:SecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
    $script:Work = New-TestDirectory
    $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
    $script:PreviousDockerConfig = $env:DOCKER_CONFIG
    $script:PreviousPath = $env:PATH
    $script:Registry = Start-TestRegistry -Password $Password
    $script:Ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password

    function script:New-DockerConfig {
        $dir = Join-Path $Work ('docker-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir
        $env:DOCKER_CONFIG = $dir
        $dir
    }
    function script:Get-DockerAuth([string] $Directory, [string] $HostName) {
        $path = Join-Path $Directory 'config.json'
        if (-not (Test-Path $path)) { return $null }
        $entry = (Get-Content -Raw $path | ConvertFrom-Json).auths.PSObject.Properties[$HostName]
        if ($entry) { $entry.Value.auth } else { $null }
    }
    function script:Get-RequestCount { @(Get-MockEcrRequest $Ecr).Count }
    function script:Use-FakeClients {
        # Fake clients first on PATH (they cannot be installed here); returns their folder.
        $bin = Join-Path $Work ('bin-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        foreach ($name in 'docker', 'podman', 'finch', 'nerdctl', 'helm', 'oras') { $null = New-FakeClient -Directory $bin -Name $name }
        $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
        $bin
    }
}

AfterAll {
    Stop-TestProcess $Ecr
    Stop-TestProcess $Registry
    $env:DOCKER_CONFIG = $PreviousDockerConfig
    $env:PATH = $PreviousPath
    Restore-Environment $PreviousAws
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Credential sources' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    It 'given -Credential, the user name is the key id and the password the secret' {
        $config = New-DockerConfig
        $credential = New-Object pscredential('AKIDFROMCREDENTIAL', (ConvertTo-SecureString $SecretKey -AsPlainText -Force))
        Auth-ECR -Credential $credential -EndpointUrl $Ecr.Uri 6>$null
        (Get-MockEcrRequest $Ecr)[-1].access_key | Should -Be 'AKIDFROMCREDENTIAL'
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given -ProfileName, the profile''s keys and region are used' {
        $config = New-DockerConfig
        $files = Join-Path $Work 'aws-files'
        $null = New-Item -ItemType Directory -Force -Path $files
        Set-Content (Join-Path $files 'config') "[profile build]`nregion = eu-north-1`n"
        Set-Content (Join-Path $files 'credentials') "[build]`naws_access_key_id = AKIDFROMPROFILE`naws_secret_access_key = profile-secret`n"
        $previous = $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE
        $env:AWS_CONFIG_FILE = Join-Path $files 'config'; $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $files 'credentials'
        try { Connect-EcrRegistry -ProfileName build -EndpointUrl $Ecr.Uri 6>$null }
        finally { $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE = $previous }
        $last = (Get-MockEcrRequest $Ecr)[-1]
        $last.access_key | Should -Be 'AKIDFROMPROFILE'
        $last.region | Should -Be 'eu-north-1'
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given an unknown profile, the error says no credentials were found' {
        $null = New-DockerConfig
        { Connect-EcrRegistry -ProfileName does-not-exist -EndpointUrl $Ecr.Uri } |
            Should -Throw -ErrorId 'EcrAuth.NoCredentials,Connect-EcrRegistry'
    }

    It 'given -UseDefaultCredentials, the environment''s keys and region are used' {
        $null = New-DockerConfig
        $env:AWS_ACCESS_KEY_ID = 'AKIDFROMENVIRONMENT'; $env:AWS_SECRET_ACCESS_KEY = 'env-secret'; $env:AWS_REGION = 'ap-southeast-2'
        try { Connect-EcrRegistry -UseDefaultCredentials -EndpointUrl $Ecr.Uri 6>$null }
        finally { Remove-Item env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY, env:AWS_REGION }
        $last = (Get-MockEcrRequest $Ecr)[-1]
        $last.access_key | Should -Be 'AKIDFROMENVIRONMENT'
        $last.region | Should -Be 'ap-southeast-2'
    }
}

Describe 'Registries' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    It 'given two registry ids, both are fetched (one call each) and logged in' {
        $null = New-DockerConfig
        $before = Get-RequestCount
        $logins = Auth-ECR $AccessKey $SecretKey -RegistryId 111122223333, 444455556666 -EndpointUrl $Ecr.Uri -PassThru 6>$null
        @($logins).Count | Should -Be 2
        (Get-RequestCount) - $before | Should -Be 2
    }

    It 'given a dual-stack registry host, account and region come from it and docker logs in to that host' {
        $bin = Use-FakeClients
        $null = New-DockerConfig
        $hostName = '123456789012.dkr-ecr.eu-west-1.on.aws'
        Auth-ECR $AccessKey $SecretKey -Registry $hostName -EndpointUrl $Ecr.Uri 6>$null
        (Get-MockEcrRequest $Ecr)[-1].region | Should -Be 'eu-west-1'
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be "login --username AWS --password-stdin $hostName"
        (Get-Content (Join-Path $bin 'docker.calls.stdin') -Raw).Trim() | Should -Be $Password
    }

    It 'given keys and no -Region, the request is signed for us-east-1' {
        $null = Use-FakeClients
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        (Get-MockEcrRequest $Ecr)[-1].region | Should -Be 'us-east-1'
    }

    It 'given -Public, ECR Public''s API is called in us-east-1 and public.ecr.aws is logged in' {
        $bin = Use-FakeClients
        $null = New-DockerConfig
        $login = Auth-ECR $AccessKey $SecretKey eu-west-1 -Public -EndpointUrl $Ecr.Uri -PassThru 6>$null
        $last = (Get-MockEcrRequest $Ecr)[-1]
        $last.target | Should -Be 'SpencerFrontendService.GetAuthorizationToken'
        $last.service | Should -Be 'ecr-public'
        $last.region | Should -Be 'us-east-1'
        $login.Registry | Should -Be 'public.ecr.aws'
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be 'login --username AWS --password-stdin public.ecr.aws'
    }
}

Describe 'Clients' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    It 'given -Client <Client>, it runs exactly <Expected> with the password on stdin' -TestCases @(
        @{ Client = 'podman'; Expected = 'login --username AWS --password-stdin {0}' }
        @{ Client = 'finch'; Expected = 'login --username AWS --password-stdin {0}' }
        @{ Client = 'nerdctl'; Expected = 'login --username AWS --password-stdin {0}' }
        @{ Client = 'helm'; Expected = 'registry login {0} --username AWS --password-stdin' }
        @{ Client = 'oras'; Expected = 'login {0} --username AWS --password-stdin' }
    ) {
        $bin = Use-FakeClients
        $login = Auth-ECR $AccessKey $SecretKey -Client $Client -EndpointUrl $Ecr.Uri -PassThru 6>$null
        $login.Client | Should -Be $Client
        Get-Content (Join-Path $bin "$Client.calls.args") | Should -Be ($Expected -f $Registry.Host)
        (Get-Content (Join-Path $bin "$Client.calls.stdin") -Raw).Trim() | Should -Be $Password
        Test-Path (Join-Path $bin 'docker.calls.args') | Should -BeFalse
    }

    It 'given a client that is not installed, it says which one before fetching' {
        $before = Get-RequestCount
        { Auth-ECR $AccessKey $SecretKey -Client nerdctl -EndpointUrl $Ecr.Uri -Force } |
            Should -Throw -ExpectedMessage "*'nerdctl' was not found on PATH*"
        Get-RequestCount | Should -Be $before
    }
}

Describe 'Results and pipes' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    It 'given -PassThru, the EcrAuth.Login objects have a default table view' {
        $null = New-DockerConfig
        $login = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -PassThru 6>$null
        $login.PSObject.TypeNames[0] | Should -Be 'EcrAuth.Login'
        $login.PSObject.Properties.Name | Should -Be @('Registry', 'Username', 'ExpiresAt', 'ProxyEndpoint', 'Client')
        Get-FormatData -TypeName EcrAuth.Login | Should -Not -BeNullOrEmpty
        ($login | Out-String) | Should -Match 'ExpiresAt \(UTC\)'
    }

    It 'given Get-EcrLoginPassword piped into the real docker login, docker is logged in' {
        $config = New-DockerConfig
        Get-EcrLoginPassword $AccessKey $SecretKey -EndpointUrl $Ecr.Uri | docker login --username AWS --password-stdin $Registry.Host 2>$null
        $LASTEXITCODE | Should -Be 0
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given Get-EcrLoginPassword -AsLogin, it returns logins with a PSCredential and runs no client' {
        $bin = Use-FakeClients
        $login = Get-EcrLoginPassword $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -AsLogin
        $login.Registry | Should -Be $Registry.Host
        $login.Credential | Should -BeOfType [pscredential]
        $login.Credential.UserName | Should -Be 'AWS'
        $login.Credential.GetNetworkCredential().Password | Should -Be $Password
        Test-Path (Join-Path $bin 'docker.calls.args') | Should -BeFalse
    }
}

Describe 'Fast repeat logins' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    BeforeEach {
        $env:ECRAUTH_STATE_DIR = Join-Path $Work ('state-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    }

    It 'given a valid previous login, a second Auth-ECR sends nothing and runs nothing' {
        $config = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $before = Get-RequestCount
        $env:PATH = Join-Path $Work 'no-such-bin'   # no docker: proves no client runs
        $verbose = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Verbose 4>&1 6>$null
        $env:PATH = $PreviousPath
        Get-RequestCount | Should -Be $before
        "$verbose" | Should -Match 'Already logged in'
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given a new shell, the remembered login still makes the repeat free' {
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $before = Get-RequestCount
        # Also: the way there autoloads no Microsoft.PowerShell.Management (~110 ms in a new shell).
        $script = "Import-Module '$ModulePath'; Auth-ECR '$AccessKey' '$SecretKey' -EndpointUrl '$($Ecr.Uri)' -Verbose 4>&1; " +
        "'management loaded: ' + [bool](Get-Module Microsoft.PowerShell.Management)"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        "$output" | Should -Match 'Already logged in'
        $output[-1] | Should -Be 'management loaded: False'
        Get-RequestCount | Should -Be $before
    }

    It 'given -Force, it fetches and logs in again' {
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $before = Get-RequestCount
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        Get-RequestCount | Should -Be ($before + 1)
    }

    It 'given docker was logged out meanwhile, the next Auth-ECR logs in again (from the library''s token cache)' {
        $config = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $before = Get-RequestCount
        docker logout $Registry.Host *> $null
        Get-DockerAuth $config $Registry.Host | Should -BeNullOrEmpty
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
        Get-RequestCount | Should -Be $before -Because 'the token was still valid inside the library'
    }

    It 'given the state folder, it is owner-only and holds no secret' {
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -SessionToken 'SESSION-TOKEN-VALUE' 6>$null
        $files = @(Get-ChildItem -LiteralPath $env:ECRAUTH_STATE_DIR -Recurse -File)
        $files.Count | Should -Be 1
        [Convert]::ToString([int](Get-Item $env:ECRAUTH_STATE_DIR).UnixFileMode, 8) | Should -Be '700'
        [Convert]::ToString([int](Get-Item (Join-Path $env:ECRAUTH_STATE_DIR 'logins')).UnixFileMode, 8) | Should -Be '700'
        [Convert]::ToString([int]$files[0].UnixFileMode, 8) | Should -Be '600'
        $text = Get-Content -Raw $files[0].FullName
        foreach ($secret in $Password, $SecretKey, $AccessKey, 'SESSION-TOKEN-VALUE') { $text | Should -Not -Match ([regex]::Escape($secret)) }
        $text | Should -Match ([regex]::Escape($Registry.Host))
    }

    It 'given four shells logging in at once, every one succeeds and one whole record remains' {
        $config = New-DockerConfig
        $command = "Import-Module '$ModulePath'; Auth-ECR '$AccessKey' '$SecretKey' -EndpointUrl '$($Ecr.Uri)' -Force 6>`$null"
        $processes = 1..4 | ForEach-Object { Start-Process -FilePath $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $command -PassThru }
        $processes | ForEach-Object { $_.WaitForExit(); $_.ExitCode | Should -Be 0 }
        $files = @(Get-ChildItem -LiteralPath $env:ECRAUTH_STATE_DIR -File -Recurse)
        $files.Name | Should -Not -Match '\.tmp$'
        $files.Count | Should -Be 1
        { Get-Content -Raw $files[0].FullName | ConvertFrom-Json } | Should -Not -Throw
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }
}

Describe 'Log out and status' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    BeforeEach {
        $env:ECRAUTH_STATE_DIR = Join-Path $Work ('state-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    }

    It 'given a login, Get-EcrConnection lists it with its expiry and no secret' {
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $connection = Get-EcrConnection
        $connection.Registry | Should -Be $Registry.Host
        $connection.Client | Should -Be 'docker'
        $connection.Valid | Should -BeTrue
        $connection.ExpiresAt | Should -BeGreaterThan ([DateTime]::UtcNow)
        ($connection | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($Password))
    }

    It 'given Disconnect-EcrRegistry, the real docker logs out and EcrAuth forgets the login' {
        $config = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
        Disconnect-EcrRegistry 6>$null
        Get-DockerAuth $config $Registry.Host | Should -BeNullOrEmpty
        Get-EcrConnection | Should -BeNullOrEmpty
    }

    It 'given -Registry and -Client helm, it runs helm registry logout for that host' {
        $bin = Use-FakeClients
        Disconnect-EcrRegistry -Registry 123456789012.dkr.ecr.us-east-1.amazonaws.com -Client helm 6>$null
        Get-Content (Join-Path $bin 'helm.calls.args') | Should -Be 'registry logout 123456789012.dkr.ecr.us-east-1.amazonaws.com'
    }

    It 'given piped objects with and without a Client, each is logged out with its own client' {
        $bin = Use-FakeClients
        [pscustomobject]@{ Registry = 'a.example'; Client = 'podman' }, [pscustomobject]@{ Registry = 'b.example' } |
            Disconnect-EcrRegistry 6>$null
        Get-Content (Join-Path $bin 'podman.calls.args') | Should -Be 'logout a.example'
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be 'logout b.example'
    }
}

Describe 'Networks' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    BeforeAll {
        $script:Tls = Join-Path $Work 'tls'
        $null = New-Item -ItemType Directory -Force -Path $Tls
        # A private CA and a server certificate for 127.0.0.1 signed by it.
        Push-Location $Tls
        try {
            & openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=EcrAuth test CA' -keyout ca.key -out ca.pem 2>$null
            & openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout key.pem -out server.csr 2>$null
            Set-Content server.ext "subjectAltName=IP:127.0.0.1`nbasicConstraints=CA:FALSE`nextendedKeyUsage=serverAuth"
            & openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile server.ext -out cert.pem 2>$null
        }
        finally { Pop-Location }
        $script:TlsEcr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password `
            -TlsCertificate (Join-Path $Tls 'cert.pem') -TlsKey (Join-Path $Tls 'key.pem')
    }
    AfterAll { Stop-TestProcess $TlsEcr }

    It 'given an HTTPS endpoint with a private CA, it fails without -CaBundle and works with it' {
        $config = New-DockerConfig
        { Auth-ECR $AccessKey $SecretKey -EndpointUrl $TlsEcr.Uri -TimeoutSec 5 } | Should -Throw -ErrorId 'EcrAuth.Network,Connect-EcrRegistry'
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $TlsEcr.Uri -CaBundle (Join-Path $Tls 'ca.pem') 6>$null
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given AWS_CA_BUNDLE, it is honoured like -CaBundle' {
        $config = New-DockerConfig
        $original = $env:AWS_CA_BUNDLE
        $env:AWS_CA_BUNDLE = Join-Path $Tls 'ca.pem'
        try { Get-EcrLoginPassword $AccessKey $SecretKey -EndpointUrl $TlsEcr.Uri | Should -Be $Password }
        finally { $env:AWS_CA_BUNDLE = $original }
    }

    It 'given AWS_ENDPOINT_URL_ECR, it reaches that endpoint without -EndpointUrl' {
        $config = New-DockerConfig
        $before = Get-RequestCount
        $env:AWS_ENDPOINT_URL_ECR = $Ecr.Uri
        try { Auth-ECR $AccessKey $SecretKey 6>$null }
        finally { Remove-Item env:AWS_ENDPOINT_URL_ECR }
        Get-RequestCount | Should -Be ($before + 1)
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }
}
