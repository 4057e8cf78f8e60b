# Every way people log in: credential sources, registries, ECR Public, clients, repeat logins,
# log out and status, pipes, networks. Real docker + registry where a login can happen; fake
# executables only for clients (and hosts) that cannot exist here. 127.0.0.1 only.

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
    function script:Use-AwsProfile([string] $Name, [string] $Region, [string] $AccessKeyId) {
        # AWS files in a fresh folder holding one profile with static keys, named by
        # AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE; returns their previous values.
        $files = Join-Path $Work ("aws-$Name-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Force -Path $files
        Set-Content (Join-Path $files 'config') "[profile $Name]`nregion = $Region`n"
        Set-Content (Join-Path $files 'credentials') "[$Name]`naws_access_key_id = $AccessKeyId`naws_secret_access_key = $Name-secret`n"
        $previous = @{ AWS_CONFIG_FILE = $env:AWS_CONFIG_FILE; AWS_SHARED_CREDENTIALS_FILE = $env:AWS_SHARED_CREDENTIALS_FILE }
        $env:AWS_CONFIG_FILE = Join-Path $files 'config'; $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $files 'credentials'
        $previous
    }
    function script:Use-FakeClient {
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
        $previous = Use-AwsProfile build eu-north-1 AKIDFROMPROFILE
        try { Connect-EcrRegistry -ProfileName build -EndpointUrl $Ecr.Uri 6>$null }
        finally { Restore-Environment $previous }
        $last = (Get-MockEcrRequest $Ecr)[-1]
        $last.access_key | Should -Be 'AKIDFROMPROFILE'
        $last.region | Should -Be 'eu-north-1'
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given an unknown profile, the error is ObjectNotFound naming it and the files read, and -ErrorAction SilentlyContinue still warns' {
        $null = New-DockerConfig
        $before = Get-RequestCount
        $failure = $null
        try { Connect-EcrRegistry -ProfileName does-not-exist -EndpointUrl $Ecr.Uri -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'EcrAuth.ProfileNotFound,EcrAuth.Commands.ConnectEcrRegistryCommand'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.Exception.Message | Should -Match "AWS profile 'does-not-exist' was not found in"
        $failure.Exception.Message | Should -Match ([regex]::Escape($env:AWS_CONFIG_FILE))
        # The README's $PROFILE line hides errors; a misspelt profile must still be said.
        $warnings = $null
        Connect-EcrRegistry -ProfileName does-not-exist -EndpointUrl $Ecr.Uri -ErrorAction SilentlyContinue -WarningVariable warnings 3>$null
        "$warnings" | Should -Match "AWS profile 'does-not-exist' was not found"
        Get-RequestCount | Should -Be $before -Because 'nothing is sent for a profile that does not exist'
    }

    It 'given an SSO profile with a cached token, ECR is called with the role''s keys; a session the portal refuses says to run aws sso login' {
        $null = New-DockerConfig
        $ssoHome = Join-Path $Work ('sso-home-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $cache = Join-Path $ssoHome '.aws/sso/cache'
        $null = New-Item -ItemType Directory -Force -Path $cache
        $config = Join-Path $ssoHome '.aws/config'
        Set-Content -LiteralPath $config -Value ("[profile corp-dev]`nsso_session = corp`nsso_account_id = 123456789012`nsso_role_name = ReadOnly`nregion = us-east-1`n" +
            "[sso-session corp]`nsso_start_url = https://example.awsapps.com/start`nsso_region = us-east-1`n")
        # The AWS CLI's cache file for session "corp": <sha1 of the session name>.json.
        $sha1 = [Security.Cryptography.SHA1]::Create()
        $name = -join ($sha1.ComputeHash([Text.Encoding]::UTF8.GetBytes('corp')) | ForEach-Object { $_.ToString('x2') })
        Set-Content -LiteralPath (Join-Path $cache "$name.json") -Value ('{"startUrl": "https://example.awsapps.com/start", "region": "us-east-1", ' +
            '"accessToken": "cached-sso-access-token", "expiresAt": "2099-01-01T00:00:00Z"}')
        $portal = Start-MockSso -Token 'cached-sso-access-token' -AccessKeyId 'ASIASSOROLEEXAMPLE'
        $refusing = Start-MockSso -Token 'cached-sso-access-token' -AccessKeyId 'ASIASSOROLEEXAMPLE' -Refuse
        $previous = @{ HOME = $env:HOME; USERPROFILE = $env:USERPROFILE; AWS_CONFIG_FILE = $env:AWS_CONFIG_FILE; AWS_ENDPOINT_URL_SSO = $env:AWS_ENDPOINT_URL_SSO }
        try {
            $env:HOME = $ssoHome; $env:USERPROFILE = $ssoHome; $env:AWS_CONFIG_FILE = $config
            $env:AWS_ENDPOINT_URL_SSO = $portal.Uri
            Connect-EcrRegistry -ProfileName corp-dev -EndpointUrl $Ecr.Uri -Force 6>$null
            (Get-MockEcrRequest $Ecr)[-1].access_key | Should -Be 'ASIASSOROLEEXAMPLE'
            $env:AWS_ENDPOINT_URL_SSO = $refusing.Uri
            $failure = $null
            try { Connect-EcrRegistry -ProfileName corp-dev -EndpointUrl $Ecr.Uri -Force -ErrorAction Stop 6>$null } catch { $failure = $_ }
        }
        finally {
            Restore-Environment $previous
            Stop-TestProcess $portal
            Stop-TestProcess $refusing
        }
        $failure.FullyQualifiedErrorId | Should -Be 'EcrAuth.SsoSessionExpired,EcrAuth.Commands.ConnectEcrRegistryCommand'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.Exception.Message | Should -Match 'The SSO session of profile corp-dev has expired or was signed out: run aws sso login --profile corp-dev'
    }

    It 'given -SessionToken as a SecureString or a string, it is sent like -SecretKey' {
        $null = New-DockerConfig
        (Get-Command Connect-EcrRegistry).Parameters['SessionToken'].ParameterType | Should -Be ([securestring])
        $secure = ConvertTo-SecureString 'FwoGZXIvYXdzSECURETOKEN' -AsPlainText -Force
        Auth-ECR $AccessKey $SecretKey -SessionToken $secure -EndpointUrl $Ecr.Uri -Force 6>$null
        (Get-MockEcrRequest $Ecr)[-1].session_token | Should -BeTrue
        Get-EcrLoginPassword $AccessKey $SecretKey -SessionToken 'FwoGZXIvYXdzPLAINTOKEN' -EndpointUrl $Ecr.Uri | Should -Be $Password
        (Get-MockEcrRequest $Ecr)[-1].session_token | Should -BeTrue
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

    It 'given -RoleArn, the keys assume the role through STS (moto), ECR is asked as the role, and the repeat check keys on the role' {
        $sts = Start-Moto
        if (-not $sts) { Set-ItResult -Skipped -Because 'moto_server is not installed (.ci/run puts it in .venv)'; return }
        $previous = $env:AWS_ENDPOINT_URL_STS
        try {
            $env:AWS_ENDPOINT_URL_STS = $sts.Uri
            $config = New-DockerConfig
            $role = 'arn:aws:iam::123456789012:role/ecr-pull'
            Auth-ECR $AccessKey $SecretKey -RoleArn $role -EndpointUrl $Ecr.Uri 6>$null
            $last = (Get-MockEcrRequest $Ecr)[-1]
            $last.access_key | Should -Match '^ASIA' -Because 'ECR is asked with the role''s temporary keys'
            $last.access_key | Should -Not -Be $AccessKey
            $last.session_token | Should -BeTrue
            Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
            (Get-EcrConnection -Registry $Registry.Host | Where-Object RoleArn).RoleArn | Should -Contain $role
            $before = Get-RequestCount
            Auth-ECR $AccessKey $SecretKey -RoleArn $role -EndpointUrl $Ecr.Uri 6>$null
            Get-RequestCount | Should -Be $before -Because 'the same role again is a repeat'
            Auth-ECR $AccessKey $SecretKey -RoleArn 'arn:aws:iam::123456789012:role/other' -EndpointUrl $Ecr.Uri 6>$null
            Get-RequestCount | Should -Be ($before + 1) -Because 'another role is another identity'
            Get-EcrLoginPassword $AccessKey $SecretKey -RoleArn $role -EndpointUrl $Ecr.Uri | Should -Be $Password
        }
        finally { $env:AWS_ENDPOINT_URL_STS = $previous; Stop-TestProcess $sts }
    }

    It 'given a -RoleArn that is not a role ARN, it is refused before any request' {
        $before = Get-RequestCount
        { Auth-ECR $AccessKey $SecretKey -RoleArn 'ecr-pull' -EndpointUrl $Ecr.Uri } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        Get-RequestCount | Should -Be $before
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
        $bin = Use-FakeClient
        $null = New-DockerConfig
        $hostName = '123456789012.dkr-ecr.eu-west-1.on.aws'
        Auth-ECR $AccessKey $SecretKey -Registry $hostName -EndpointUrl $Ecr.Uri 6>$null
        (Get-MockEcrRequest $Ecr)[-1].region | Should -Be 'eu-west-1'
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be "login --username AWS --password-stdin $hostName"
        (Get-Content (Join-Path $bin 'docker.calls.stdin') -Raw).Trim() | Should -Be $Password
    }

    It 'given keys and no -Region, the request is signed for us-east-1' {
        $null = Use-FakeClient
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        (Get-MockEcrRequest $Ecr)[-1].region | Should -Be 'us-east-1'
    }

    It 'given -Public, ECR Public''s API is called in us-east-1 and public.ecr.aws is logged in' {
        $bin = Use-FakeClient
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
        $bin = Use-FakeClient
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
        $bin = Use-FakeClient
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
        # Also: the way there autoloads neither Microsoft.PowerShell.Management (Join-Path,
        # Test-Path: ~110 ms in a new shell) nor Microsoft.PowerShell.Utility (ConvertFrom-Json,
        # Write-Host, New-Object: ~150 ms). Checked before anything else in that shell runs a cmdlet.
        $script = "Import-Module '$ModulePath'; Auth-ECR '$AccessKey' '$SecretKey' -EndpointUrl '$($Ecr.Uri)' -Verbose 4>&1; " +
        "'loaded: ' + [bool](Get-Module Microsoft.PowerShell.Management) + ' ' + [bool](Get-Module Microsoft.PowerShell.Utility)"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        "$output" | Should -Match 'Already logged in'
        $output[-1] | Should -Be 'loaded: False False'
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

    It 'given the state folder, EcrAuth''s own logins folder is owner-only (Unix) and holds no secret' {
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -SessionToken 'SESSION-TOKEN-VALUE' 6>$null
        $files = @(Get-ChildItem -LiteralPath $env:ECRAUTH_STATE_DIR -Recurse -File)
        $files.Count | Should -Be 1
        # Windows has no Unix modes: there the folder is the user's own %LOCALAPPDATA% (tests/EcrAuth.Windows.Tests.ps1).
        if (-not $IsWindows) {
            [Convert]::ToString([int](Get-Item (Join-Path $env:ECRAUTH_STATE_DIR 'logins')).UnixFileMode, 8) | Should -Be '700'
            [Convert]::ToString([int]$files[0].UnixFileMode, 8) | Should -Be '600'
        }
        $text = Get-Content -Raw $files[0].FullName
        foreach ($secret in $Password, $SecretKey, $AccessKey, 'SESSION-TOKEN-VALUE') { $text | Should -Not -Match ([regex]::Escape($secret)) }
        $text | Should -Match ([regex]::Escape($Registry.Host))
    }

    It 'given four shells logging in at once, every one succeeds and one whole record remains' {
        $config = New-DockerConfig
        $command = "Import-Module '$ModulePath'; Auth-ECR '$AccessKey' '$SecretKey' -EndpointUrl '$($Ecr.Uri)' -Force 6>`$null"
        # -NoNewWindow: on Windows each shell shares this console (PowerShell for Windows writes nothing without one).
        $processes = 1..4 | ForEach-Object { Start-Process -FilePath $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $command -PassThru -NoNewWindow }
        $processes | ForEach-Object { $_.WaitForExit(); $_.ExitCode | Should -Be 0 }
        $files = @(Get-ChildItem -LiteralPath $env:ECRAUTH_STATE_DIR -File -Recurse)
        $files.Name | Should -Not -Match '\.tmp$'
        $files.Count | Should -Be 1
        (Get-Content -LiteralPath $files[0].FullName)[0] | Should -Be 'EcrAuth state 2'
        @(Get-Content -LiteralPath $files[0].FullName | Where-Object { $_ -like "Login`t*" }).Count | Should -Be 1
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

    It 'given one registry''s client missing, Disconnect-EcrRegistry says so for it and still logs the others out' {
        $bin = Use-FakeClient
        Get-ChildItem -LiteralPath $bin -Filter 'helm*' | Remove-Item
        $logins = Join-Path $env:ECRAUTH_STATE_DIR 'logins'
        $null = New-Item -ItemType Directory -Force -Path $logins
        $expires = [DateTimeOffset]::UtcNow.AddHours(6).ToUnixTimeSeconds()
        Set-Content -LiteralPath (Join-Path $logins 'a.state') -NoNewline -Value "EcrAuth state 2`nClient`thelm`nLogin`ta.example`tAWS`t$expires`thttps://a.example`n"
        Set-Content -LiteralPath (Join-Path $logins 'b.state') -NoNewline -Value "EcrAuth state 2`nClient`tdocker`nLogin`tb.example`tAWS`t$expires`thttps://b.example`n"
        $failed = $null
        Disconnect-EcrRegistry -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'EcrAuth.ClientNotFound,EcrAuth.Commands.DisconnectEcrRegistryCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].Exception.Message | Should -Match "'helm' was not found on PATH \(to log out from a\.example\)"
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be 'logout b.example'
        (Get-EcrConnection).Registry | Should -Be @('a.example') -Because 'a.example is still logged in'
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
        $bin = Use-FakeClient
        Disconnect-EcrRegistry -Registry 123456789012.dkr.ecr.us-east-1.amazonaws.com -Client helm 6>$null
        Get-Content (Join-Path $bin 'helm.calls.args') | Should -Be 'registry logout 123456789012.dkr.ecr.us-east-1.amazonaws.com'
    }

    It 'given piped objects with and without a Client, each is logged out with its own client' {
        $bin = Use-FakeClient
        [pscustomobject]@{ Registry = 'a.example'; Client = 'podman' }, [pscustomobject]@{ Registry = 'b.example' } |
            Disconnect-EcrRegistry 6>$null
        Get-Content (Join-Path $bin 'podman.calls.args') | Should -Be 'logout a.example'
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be 'logout b.example'
    }
}

Describe 'Networks' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    BeforeAll {
        # A private CA and a server certificate for 127.0.0.1 signed by it.
        $script:Tls = New-TestCertificate -Directory (Join-Path $Work 'tls')
        $script:TlsEcr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password `
            -TlsCertificate (Join-Path $Tls 'cert.pem') -TlsKey (Join-Path $Tls 'key.pem')
    }
    AfterAll { Stop-TestProcess $TlsEcr }

    It 'given an HTTPS endpoint with a private CA, it fails without -CaBundle and works with it' {
        $config = New-DockerConfig
        { Auth-ECR $AccessKey $SecretKey -EndpointUrl $TlsEcr.Uri -TimeoutSec 5 -ErrorAction Stop } | Should -Throw -ErrorId 'EcrAuth.Network,EcrAuth.Commands.ConnectEcrRegistryCommand'
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $TlsEcr.Uri -CaBundle (Join-Path $Tls 'ca.pem') 6>$null
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given AWS_CA_BUNDLE, it is honoured like -CaBundle' {
        $null = New-DockerConfig
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

Describe 'Errors the PowerShell way' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }
    BeforeEach { $env:ECRAUTH_STATE_DIR = Join-Path $Work ('state-' + [guid]::NewGuid().ToString('n').Substring(0, 8)) }

    It 'given an unreachable endpoint, -ErrorAction SilentlyContinue is honoured and -ErrorVariable holds exactly one record' {
        $null = New-DockerConfig
        $port = Get-FreeTcpPort
        $failed = $null
        $output = Auth-ECR $AccessKey $SecretKey -EndpointUrl "http://127.0.0.1:$port" -ErrorAction SilentlyContinue -ErrorVariable failed
        $output | Should -BeNullOrEmpty
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'EcrAuth.Network,EcrAuth.Commands.ConnectEcrRegistryCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failed[0].Exception.Message | Should -Match 'could not reach the ECR endpoint'
    }

    It 'given a client that cannot be started, each registry fails on its own with ClientStartFailed, and the shell goes on' {
        $null = New-DockerConfig
        $bin = Join-Path $Work ('unstartable-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $bin
        if ($IsWindows) { [IO.File]::WriteAllBytes((Join-Path $bin 'docker.exe'), [byte[]](1..64)) }   # not a PE image
        else {
            $client = Join-Path $bin 'docker'
            [IO.File]::WriteAllBytes($client, [byte[]](1..64))   # executable bit, no format the kernel runs
            & chmod +x $client
        }
        $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
        $failed = $null
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -RegistryId 111122223333, 444455556666 -Force -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        @($failed).Count | Should -Be 2
        foreach ($record in $failed) {
            $record.FullyQualifiedErrorId | Should -BeLike 'EcrAuth.ClientStartFailed,*'
            $record.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $record.Exception.Message | Should -Match 'could not be started'
            $record.Exception.Message | Should -Not -Match ([regex]::Escape($Password))
        }
        @($failed.TargetObject) | Should -Be @($Registry.Host, $Registry.Host)   # this mock gives both ids one proxy endpoint
    }

    It 'given -TimeoutSec 3 and a client that hangs, the login stops after about 3 seconds, client and children stopped' {
        $null = New-DockerConfig
        $bin = Join-Path $Work ('hanging-bin-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $fake = New-FakeClient -Directory $bin -Name docker -SleepMs 60000
        $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $failed = $null
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force -TimeoutSec 3 -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 20
        @($failed).Count | Should -Be 1
        $failed[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failed[0].Exception.Message | Should -Match 'did not finish within 3 seconds'
        # The hanging client started a child (a shell's sleep, the exe's copy of itself): gone too.
        $children = @(Get-Content -LiteralPath $fake.ChildrenFile | Where-Object { $_ })
        $children.Count | Should -BeGreaterThan 0
        Start-Sleep -Milliseconds 500
        foreach ($id in $children) { Test-ProcessAlive ([int]$id) | Should -BeFalse -Because "child $id must be stopped" }
    }

    It 'given Disconnect-EcrRegistry -TimeoutSec 2 and a logout that hangs, it stops after about 2 seconds and says so (not "exit code -1")' {
        $null = New-DockerConfig
        $bin = Join-Path $Work ('hanging-logout-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $fake = New-FakeClient -Directory $bin -Name docker -SleepMs 60000
        $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $failed = $null
        Disconnect-EcrRegistry -Registry 'hang.example' -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'EcrAuth.ClientTimeout,EcrAuth.Commands.DisconnectEcrRegistryCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failed[0].Exception.Message | Should -Match 'docker logout from hang.example failed: it did not finish within 2 seconds'
        $failed[0].Exception.Message | Should -Not -Match 'exit code'
        Start-Sleep -Milliseconds 500
        foreach ($id in @(Get-Content -LiteralPath $fake.ChildrenFile | Where-Object { $_ })) { Test-ProcessAlive ([int]$id) | Should -BeFalse }
    }

    It 'given a failure in a script, the next statement still runs (non-terminating)' {
        $null = New-DockerConfig
        $after = & { Get-EcrLoginPassword $AccessKey $SecretKey -EndpointUrl "http://127.0.0.1:$(Get-FreeTcpPort)" -ErrorAction SilentlyContinue; 'next statement ran' }
        $after | Should -Be 'next statement ran'
    }

    It 'given usage errors (<Case>), the error stays terminating even with -ErrorAction SilentlyContinue' -TestCases @(
        @{ Case = 'a host that is not ECR'; Arguments = @{ Registry = 'ghcr.io' }; Id = 'EcrAuth.InvalidArgument,EcrAuth.Commands.ConnectEcrRegistryCommand' }
        @{ Case = 'a missing client'; Arguments = @{ Client = 'nerdctl' }; Id = 'EcrAuth.ClientNotFound,EcrAuth.Commands.ConnectEcrRegistryCommand' }
        @{ Case = 'a bad region'; Arguments = @{ Region = 'mars' }; Id = 'ParameterArgumentValidationError,EcrAuth.Commands.ConnectEcrRegistryCommand' }
    ) {
        $null = New-DockerConfig
        { Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri @Arguments -ErrorAction SilentlyContinue } | Should -Throw -ErrorId $Id
    }

    It 'given two registries of which one refuses the login, the other logs in and one error names the failing one' {
        $null = New-DockerConfig
        $bin = Join-Path $Work ('failing-bin-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        # A docker that refuses 444455556666's registry and accepts the others.
        $null = New-FakeClient -Directory $bin -Name docker -FailMatch 444455556666 -FailMessage 'Error response from daemon: login attempt failed with status: 401 Unauthorized'
        $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
        $perRegistry = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -PerRegistry
        try {
            $failed = $null
            $logins = Auth-ECR $AccessKey $SecretKey -RegistryId 111122223333, 444455556666 -EndpointUrl $perRegistry.Uri -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        }
        finally { Stop-TestProcess $perRegistry }
        @($logins).Registry | Should -Be @('111122223333.dkr.ecr.us-east-1.amazonaws.com')
        @($failed).Count | Should -Be 1
        $failed[0].TargetObject | Should -Be '444455556666.dkr.ecr.us-east-1.amazonaws.com'
        $failed[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        (Get-EcrConnection).Registry | Should -Be @('111122223333.dkr.ecr.us-east-1.amazonaws.com')
    }

    It 'given two registries of which ECR denies one, the other logs in and one non-terminating error names the denied one' {
        $null = New-DockerConfig
        $perRegistry = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -PerRegistry -DenyRegistry 444455556666
        try {
            # docker cannot reach the per-registry hosts here: answer the login from a fake docker.
            $bin = Join-Path $Work ('denied-bin-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
            $null = New-FakeClient -Directory $bin -Name docker
            $env:PATH = $bin + [IO.Path]::PathSeparator + $PreviousPath
            $failed = $null
            $logins = Auth-ECR $AccessKey $SecretKey -RegistryId 111122223333, 444455556666 -EndpointUrl $perRegistry.Uri -Force `
                -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
            $asked = @(Get-MockEcrRequest $perRegistry).Count
        }
        finally { Stop-TestProcess $perRegistry }
        @($logins).Registry | Should -Be @('111122223333.dkr.ecr.us-east-1.amazonaws.com')
        @($failed).Count | Should -Be 1
        $failed[0].TargetObject | Should -Be '444455556666'
        $failed[0].CategoryInfo.Category | Should -Be 'PermissionDenied' -Because 'the account may not call ecr:GetAuthorizationToken'
        $failed[0].Exception.Message | Should -Match 'AccessDeniedException'
        $asked | Should -Be 2   # one packed native call, one GetAuthorizationToken per account
    }

    It 'given a state folder that cannot be written, the login stands and a warning says so' {
        $config = New-DockerConfig
        $blocker = Join-Path $Work ('blocker-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        Set-Content -LiteralPath $blocker -Value 'a file, not a folder'
        $env:ECRAUTH_STATE_DIR = Join-Path $blocker 'state'
        $warnings = $null; $failed = $null
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failed 6>$null
        @($failed).Count | Should -Be 0
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'could not remember this login'
        Get-DockerAuth $config $Registry.Host | Should -Not -BeNullOrEmpty
    }
}

Describe 'Repeat check of each client''s own auth file' -Tag Integration {
    AfterEach {
        $env:PATH = $PreviousPath
        Remove-Item env:REGISTRY_AUTH_FILE, env:HELM_REGISTRY_CONFIG, env:XDG_RUNTIME_DIR -ErrorAction SilentlyContinue
    }
    BeforeEach { $env:ECRAUTH_STATE_DIR = Join-Path $Work ('state-' + [guid]::NewGuid().ToString('n').Substring(0, 8)) }

    It 'given <Client> whose auth file (<Variable>) holds the login, a repeat is skipped; once the file is gone, it logs in again' -TestCases @(
        @{ Client = 'podman'; Variable = 'REGISTRY_AUTH_FILE'; File = 'auth.json' }
        @{ Client = 'podman'; Variable = 'XDG_RUNTIME_DIR'; File = 'containers/auth.json' }
        @{ Client = 'helm'; Variable = 'HELM_REGISTRY_CONFIG'; File = 'registry.json' }
        @{ Client = 'oras'; Variable = 'DOCKER_CONFIG'; File = 'config.json' }
    ) {
        if ($IsWindows -and $Variable -eq 'XDG_RUNTIME_DIR') { Set-ItResult -Skipped -Because 'podman reads XDG_RUNTIME_DIR on Linux only' }
        $bin = Use-FakeClient
        $dir = Join-Path $Work ('auth-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir
        $authFile = Join-Path $dir $File
        $value = if ($Variable -eq 'XDG_RUNTIME_DIR' -or $Variable -eq 'DOCKER_CONFIG') { $dir } else { $authFile }
        [Environment]::SetEnvironmentVariable($Variable, $value)
        try {
            Auth-ECR $AccessKey $SecretKey -Client $Client -EndpointUrl $Ecr.Uri 6>$null
            @(Get-Content (Join-Path $bin "$Client.calls.args")).Count | Should -Be 1
            # What the real client writes on a successful login (the fake cannot know where).
            $null = New-Item -ItemType Directory -Force -Path (Split-Path $authFile)
            Set-Content -LiteralPath $authFile -Value "{`n`t""auths"": {`n`t`t""$($Registry.Host)"": {`n`t`t`t""auth"": ""QVdTOnB3""`n`t`t}`n`t}`n}"
            $before = Get-RequestCount
            Auth-ECR $AccessKey $SecretKey -Client $Client -EndpointUrl $Ecr.Uri 6>$null
            @(Get-Content (Join-Path $bin "$Client.calls.args")).Count | Should -Be 1 -Because 'the login is still in the client''s file'
            Get-RequestCount | Should -Be $before
            # A reboot empties XDG_RUNTIME_DIR; a logout edits the file: either way the login is gone.
            Remove-Item -LiteralPath $authFile
            Auth-ECR $AccessKey $SecretKey -Client $Client -EndpointUrl $Ecr.Uri 6>$null
            @(Get-Content (Join-Path $bin "$Client.calls.args")).Count | Should -Be 2
        }
        finally {
            if ($Variable -eq 'DOCKER_CONFIG') { $env:DOCKER_CONFIG = $PreviousDockerConfig } else { Set-EnvironmentValue $Variable $null }
        }
    }

    It 'given docker with a credential store (<Kind>), a repeat asks its helper: skipped while it holds the login, not once it lost it or is gone' -TestCases @(
        @{ Kind = 'credsStore'; Content = '{ "credsStore": "ecrtest" }' }
        @{ Kind = 'credHelpers for the host'; Content = '{ "credHelpers": { "HOST": "ecrtest" } }' }
    ) {
        $config = New-DockerConfig
        Set-Content -LiteralPath (Join-Path $config 'config.json') -Value $Content.Replace('HOST', $Registry.Host)
        $helpers = Join-Path $Work ('helpers-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        New-TestCredentialHelper -Directory $helpers -Name ecrtest
        $env:PATH = $helpers + [IO.Path]::PathSeparator + $PreviousPath
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        # The real docker stored the login in the helper; config.json keeps an empty entry.
        (Get-Content -Raw (Join-Path $helpers 'store.json')) | Should -Match ([regex]::Escape($Registry.Host))
        (Get-Content -Raw (Join-Path $config 'config.json') | ConvertFrom-Json).auths.PSObject.Properties[$Registry.Host] | Should -Not -BeNullOrEmpty
        # Logins are counted by the helper's store calls (a repeat in this process may reuse the token).
        $stores = { @(Get-Content (Join-Path $helpers 'calls.log') | Where-Object { $_ -eq 'store' }).Count }
        & $stores | Should -Be 1
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        & $stores | Should -Be 1 -Because 'the helper still holds the login'
        Get-Content (Join-Path $helpers 'calls.log') | Should -Contain 'list'
        # The store lost it (a keychain reset, another tool's logout): log in again.
        Set-Content -LiteralPath (Join-Path $helpers 'store.json') -Value '{}'
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        & $stores | Should -Be 2
        # A helper that is not on PATH cannot vouch for anything: log in again. (docker then fails
        # to store the login, which proves it ran.)
        $env:PATH = $PreviousPath
        $failed = $null
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'EcrAuth.ClientLoginFailed,EcrAuth.Commands.ConnectEcrRegistryCommand'
    }

    It 'given Docker Desktop''s credsStore "desktop" and a token longer than the Windows Credential Manager holds, the error says so and what to do' {
        # An ECR password is a few KB; wincred's blob limit is 2,560 bytes, and the real helper
        # then answers "The stub received bad data" (actions/runner-images#11172). The test
        # helper named docker-credential-desktop has that limit.
        $long = 'L' + ('x' * 2999)
        $bigRegistry = Start-TestRegistry -Password $long -NoAuth
        $bigEcr = Start-MockEcr -ProxyEndpoint "http://$($bigRegistry.Host)" -Password $long
        try {
            $config = New-DockerConfig
            Set-Content -LiteralPath (Join-Path $config 'config.json') -Value '{ "credsStore": "desktop" }'
            $helpers = Join-Path $Work ('desktop-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
            New-TestCredentialHelper -Directory $helpers -Name desktop
            $env:PATH = $helpers + [IO.Path]::PathSeparator + $PreviousPath
            $failed = $null
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $bigEcr.Uri -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
            @($failed).Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'EcrAuth.ClientCredentialStoreTooSmall,EcrAuth.Commands.ConnectEcrRegistryCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $message = $failed[0].Exception.Message
            $message | Should -Match '2,560-byte limit'
            $message | Should -Match ([regex]::Escape((Join-Path $config 'config.json')))
            $message | Should -Match 'Remove the "credsStore" line'
            $message | Should -Not -Match 'xxxxxxxxxx'
            # An ordinary-sized login goes into that store, and a repeat asks its helper.
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
            (Get-Content -Raw (Join-Path $helpers 'store.json')) | Should -Match ([regex]::Escape($Registry.Host))
        }
        finally {
            Stop-TestProcess $bigEcr
            Stop-TestProcess $bigRegistry
        }
    }

    It 'given a client without an auth file EcrAuth can check (finch on Linux), a repeat logs in again' {
        $bin = Use-FakeClient
        Auth-ECR $AccessKey $SecretKey -Client finch -EndpointUrl $Ecr.Uri 6>$null
        Auth-ECR $AccessKey $SecretKey -Client finch -EndpointUrl $Ecr.Uri 6>$null
        @(Get-Content (Join-Path $bin 'finch.calls.args')).Count | Should -Be 2
    }
}

Describe 'State folder' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    It 'given a shared ECRAUTH_STATE_DIR (mode 1777), it stays 1777 and only EcrAuth''s logins folder is owner-only' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'Unix file modes do not exist on Windows' }
        $null = New-DockerConfig
        $shared = Join-Path $Work ('shared-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $shared
        & chmod 1777 $shared
        $env:ECRAUTH_STATE_DIR = $shared
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        [Convert]::ToString([int](Get-Item $shared).UnixFileMode, 8) | Should -Be '1777'
        [Convert]::ToString([int](Get-Item (Join-Path $shared 'logins')).UnixFileMode, 8) | Should -Be '700'
    }

    It 'given a relative ECRAUTH_STATE_DIR, the record lands under PowerShell''s location, where Get-EcrConnection finds it' {
        $null = New-DockerConfig
        $here = Join-Path $Work ('here-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $here
        Push-Location $here
        try {
            $env:ECRAUTH_STATE_DIR = 'relative-state'
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
            $connections = @(Get-EcrConnection)
        }
        finally { Pop-Location }
        @(Get-ChildItem -LiteralPath (Join-Path $here 'relative-state/logins') -Filter *.state).Count | Should -Be 1
        $connections.Registry | Should -Be $Registry.Host
    }

    It 'given records expiring in 10 minutes and expired an hour ago, Valid honours the 15-minute margin and Get-EcrConnection deletes nothing' {
        $env:ECRAUTH_STATE_DIR = Join-Path $Work ('margin-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $logins = Join-Path $env:ECRAUTH_STATE_DIR 'logins'
        $null = New-Item -ItemType Directory -Force -Path $logins
        $soon = [DateTimeOffset]::UtcNow.AddMinutes(10).ToUnixTimeSeconds()
        $gone = [DateTimeOffset]::UtcNow.AddHours(-1).ToUnixTimeSeconds()
        Set-Content -LiteralPath (Join-Path $logins 'soon.state') -NoNewline -Value "EcrAuth state 2`nClient`tdocker`nLogin`tsoon.example`tAWS`t$soon`thttps://soon.example`n"
        Set-Content -LiteralPath (Join-Path $logins 'gone.state') -NoNewline -Value "EcrAuth state 2`nClient`tdocker`nLogin`tgone.example`tAWS`t$gone`thttps://gone.example`n"
        $connections = @(Get-EcrConnection)
        $connections.Registry | Should -Be @('soon.example')
        $connections[0].Valid | Should -BeFalse -Because 'a repeat Auth-ECR would log in again'
        Test-Path (Join-Path $logins 'gone.state') | Should -BeTrue -Because 'a Get- command changes nothing'
        Test-Path (Join-Path $logins 'soon.state') | Should -BeTrue
        # The next login forgets the expired record.
        $null = Use-FakeClient
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        Test-Path (Join-Path $logins 'gone.state') | Should -BeFalse
        Test-Path (Join-Path $logins 'soon.state') | Should -BeTrue
    }
}

Describe 'Pipelines' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }
    BeforeEach { $env:ECRAUTH_STATE_DIR = Join-Path $Work ('state-' + [guid]::NewGuid().ToString('n').Substring(0, 8)) }

    It 'given Get-EcrConnection | Connect-EcrRegistry -Force, each remembered login (made with a profile) is renewed' {
        $bin = Use-FakeClient
        $previous = Use-AwsProfile pipe us-east-1 AKIDPIPE
        $perRegistry = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -PerRegistry
        try {
            Auth-ECR -ProfileName pipe -RegistryId 111122223333, 444455556666 -EndpointUrl $perRegistry.Uri 6>$null
            $renewed = Get-EcrConnection | Connect-EcrRegistry -Force -PassThru 6>$null
            $requests = @(Get-MockEcrRequest $perRegistry)
        }
        finally {
            Stop-TestProcess $perRegistry
            Restore-Environment $previous
        }
        @($renewed).Registry | Sort-Object | Should -Be @('111122223333.dkr.ecr.us-east-1.amazonaws.com', '444455556666.dkr.ecr.us-east-1.amazonaws.com')
        $requests.Count | Should -Be 4   # one per registry id, twice
        $requests | ForEach-Object { $_.access_key | Should -Be 'AKIDPIPE' }
        @(Get-Content (Join-Path $bin 'docker.calls.args')).Count | Should -Be 4
    }

    It 'given a login about to expire renewed through Get-EcrConnection | Connect-EcrRegistry -Force, the original command''s repeat sees the renewal' {
        $bin = Use-FakeClient
        $config = New-DockerConfig
        $previous = Use-AwsProfile renew us-east-1 AKIDRENEW
        $perRegistry = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -PerRegistry
        try {
            # The $PROFILE line (no -Registry), and what the real docker writes after its login.
            Auth-ECR -ProfileName renew -RegistryId 111122223333 -EndpointUrl $perRegistry.Uri 6>$null
            Set-Content -LiteralPath (Join-Path $config 'config.json') -Value '{ "auths": { "111122223333.dkr.ecr.us-east-1.amazonaws.com": { "auth": "QVdTOnB3" } } }'
            # Its record made to expire in 10 minutes (inside the 15-minute margin).
            $record = @(Get-ChildItem -LiteralPath (Join-Path $env:ECRAUTH_STATE_DIR 'logins') -Filter *.state)
            $record.Count | Should -Be 1
            $soon = [DateTimeOffset]::UtcNow.AddMinutes(10).ToUnixTimeSeconds()
            $text = [IO.File]::ReadAllText($record[0].FullName) -replace "(Login\t[^\t]+\t[^\t]+\t)\d+", "`${1}$soon"
            [IO.File]::WriteAllText($record[0].FullName, $text)
            Get-EcrConnection | Connect-EcrRegistry -Force 6>$null
            Auth-ECR -ProfileName renew -RegistryId 111122223333 -EndpointUrl $perRegistry.Uri 6>$null
        }
        finally {
            Stop-TestProcess $perRegistry
            Restore-Environment $previous
        }
        # The login and the renewal ran docker; the repeat did not (the pipeline renewed the login the $PROFILE line made).
        @(Get-Content (Join-Path $bin 'docker.calls.args')).Count | Should -Be 2
    }

    It 'given Get-EcrConnection | Disconnect-EcrRegistry, every remembered login is logged out and forgotten' {
        $bin = Use-FakeClient
        $perRegistry = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -PerRegistry
        try { Auth-ECR $AccessKey $SecretKey -RegistryId 111122223333, 444455556666 -EndpointUrl $perRegistry.Uri 6>$null }
        finally { Stop-TestProcess $perRegistry }
        Get-EcrConnection | Disconnect-EcrRegistry 6>$null
        Get-Content (Join-Path $bin 'docker.calls.args') | Where-Object { $_ -like 'logout*' } | Sort-Object |
            Should -Be @('logout 111122223333.dkr.ecr.us-east-1.amazonaws.com', 'logout 444455556666.dkr.ecr.us-east-1.amazonaws.com')
        Get-EcrConnection | Should -BeNullOrEmpty
    }

    It 'given plain strings piped to Disconnect-EcrRegistry, each host is logged out' {
        $bin = Use-FakeClient
        'a.example', 'b.example' | Disconnect-EcrRegistry 6>$null
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be @('logout a.example', 'logout b.example')
    }
}

Describe 'Output streams and standard input' -Tag Integration {
    AfterEach { $env:PATH = $PreviousPath }

    It 'given a login, the password reaches the client''s standard input byte for byte: no BOM, no newline' {
        $bin = Use-FakeClient
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        $bytes = [IO.File]::ReadAllBytes((Join-Path $bin 'docker.calls.stdin.bin'))
        ($bytes -join ',') | Should -Be ([Text.Encoding]::UTF8.GetBytes($Password) -join ',')
    }

    It 'given the command line EcrAuth builds (one quoted string, as on .NET Framework), the client gets the same argv' {
        # netstandard2.0 has only ProcessStartInfo.Arguments, quoted by EcrAuth on every platform.
        $bin = Use-FakeClient
        $null = New-DockerConfig
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        Get-Content (Join-Path $bin 'docker.calls.args') | Should -Be "login --username AWS --password-stdin $($Registry.Host)"
    }

    It 'given an argument <Case>, QuoteArgument quotes it as the Windows parser splits it' -TestCases @(
        @{ Case = 'plain'; Value = 'login'; Expected = 'login' }
        @{ Case = 'with a space'; Value = 'a b'; Expected = '"a b"' }
        @{ Case = 'with a quote'; Value = 'a"b'; Expected = '"a\"b"' }
        @{ Case = 'ending in a backslash'; Value = 'a b\'; Expected = '"a b\\"' }
        @{ Case = 'empty'; Value = ''; Expected = '""' }
    ) {
        param($Value, $Expected)
        [EcrAuth.Engine.ClientRunner]::QuoteArgument($Value) | Should -BeExactly $Expected
    }

    It 'given a login, "Login Succeeded" is an information record tagged EcrAuth/ClientOutput/docker, shown by default' {
        $null = New-DockerConfig
        $records = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>&1
        $record = @($records | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
        $record.Count | Should -Be 1
        "$($record[0].MessageData)" | Should -Be "$($Registry.Host): Login Succeeded"
        foreach ($tag in 'EcrAuth', 'ClientOutput', 'docker', 'PSHOST') { $record[0].Tags | Should -Contain $tag }
    }

    It 'given -InformationAction SilentlyContinue, the client''s output is not shown; -InformationVariable still collects it' {
        $null = Use-FakeClient
        $null = New-DockerConfig
        $collected = $null
        $null = Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force -InformationAction SilentlyContinue -InformationVariable collected
        "$($collected[0].MessageData)" | Should -Match 'Login Succeeded'
        # What a shell shows: its host output.
        $command = "Import-Module '$ModulePath'; Auth-ECR '$AccessKey' '$SecretKey' -EndpointUrl '$($Ecr.Uri)' -Force"
        (& $Pwsh -NoProfile -NonInteractive -Command $command) -join ' ' | Should -Match 'Login Succeeded'
        (& $Pwsh -NoProfile -NonInteractive -Command "$command -InformationAction SilentlyContinue") -join ' ' | Should -Not -Match 'Login Succeeded'
    }
}
