# Running container clients: each one's login/logout form, always with --password-stdin.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

# Argument lists; {0} is the registry host, {1} the user name.
$script:EcrClientForms = @{
    docker  = @{ Login = @('login', '--username', '{1}', '--password-stdin', '{0}'); Logout = @('logout', '{0}') }
    podman  = @{ Login = @('login', '--username', '{1}', '--password-stdin', '{0}'); Logout = @('logout', '{0}') }
    finch   = @{ Login = @('login', '--username', '{1}', '--password-stdin', '{0}'); Logout = @('logout', '{0}') }
    nerdctl = @{ Login = @('login', '--username', '{1}', '--password-stdin', '{0}'); Logout = @('logout', '{0}') }
    helm    = @{ Login = @('registry', 'login', '{0}', '--username', '{1}', '--password-stdin'); Logout = @('registry', 'logout', '{0}') }
    oras    = @{ Login = @('login', '{0}', '--username', '{1}', '--password-stdin'); Logout = @('logout', '{0}') }
}

$script:EcrClientPaths = @{}

function script:Resolve-EcrClient {
    param([string] $Name)
    # Cached per PATH: Get-Command costs milliseconds on every call.
    $cacheKey = "$Name`n$env:PATH"
    $cached = $script:EcrClientPaths[$cacheKey]
    if ($cached -and (Test-Path -LiteralPath $cached -PathType Leaf)) { return $cached }
    $command = Get-Command -Name $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $command) {
        throw (New-EcrErrorRecord -Message ("'$Name' was not found on PATH. Install it or add its folder to PATH, " +
                'then run the command again (or choose another client with -Client).') `
                -ErrorId 'ClientNotFound' -Category ObjectNotFound `
                -ExceptionType ([System.Management.Automation.CommandNotFoundException]) -Target $Name)
    }
    $script:EcrClientPaths[$cacheKey] = $command.Source
    $command.Source
}

function script:Get-EcrClientArgument {
    param([string] $Client, [string] $Action, [string] $Registry, [string] $Username)
    foreach ($part in $script:EcrClientForms[$Client][$Action]) { $part -f $Registry, $Username }
}

function script:ConvertTo-EcrArgument {
    # Quote for Windows' command-line parser (also what .NET uses to split on Unix).
    param([string] $Value)
    if ($Value -match '^[A-Za-z0-9._:/@\[\]=-]+$') { return $Value }
    '"' + ($Value -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"'
}

function script:Invoke-EcrClient {
    # Runs a client with $Arguments; $Password (bytes), if given, goes to standard input only.
    param([string] $ClientPath, [string[]] $Arguments, [byte[]] $Password, [int] $TimeoutSec = 120)
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $ClientPath
    $info.Arguments = ($Arguments | ForEach-Object { ConvertTo-EcrArgument $_ }) -join ' '
    $info.UseShellExecute = $false
    $info.CreateNoWindow = $true
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        try {
            if ($Password) {
                $process.StandardInput.BaseStream.Write($Password, 0, $Password.Length)
                $process.StandardInput.BaseStream.Flush()
            }
        }
        catch [System.IO.IOException] {
            # The client exited before reading stdin; its own error below says why.
        }
        finally {
            $process.StandardInput.Close()
        }
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill()
            throw (New-EcrErrorRecord -Message "'$ClientPath $($Arguments[0])' did not finish within $TimeoutSec seconds." `
                    -ErrorId 'ClientTimeout' -Category OperationTimeout -ExceptionType ([System.TimeoutException]))
        }
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr.Result }
    }
    finally {
        $process.Dispose()
    }
}

function script:Get-EcrTextLine {
    param([string] $Text)
    @($Text -split "\r?\n" | Where-Object { $_.Trim() } | ForEach-Object { $_.Trim() })
}

function script:Invoke-EcrClientLogin {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Client, [string] $ClientPath,
        [string] $Registry, [string] $Username, [byte[]] $Password)
    $arguments = @(Get-EcrClientArgument $Client 'Login' $Registry $Username)
    $Cmdlet.WriteVerbose("Running: $ClientPath $($arguments -join ' ') (password on standard input)")
    $run = Invoke-EcrClient -ClientPath $ClientPath -Arguments $arguments -Password $Password
    foreach ($line in Get-EcrTextLine $run.Error) { $Cmdlet.WriteVerbose("${Client}: $line") }
    if ($run.ExitCode -ne 0) {
        $reason = @(Get-EcrTextLine $run.Error) | Select-Object -Last 1
        if (-not $reason) { $reason = "exit code $($run.ExitCode)" }
        # Network words first: a port number such as 40123 must not read as HTTP 401.
        $category = if ($reason -match 'connection refused|no such host|timeout|i/o|unreachable|EOF') { 'ConnectionError' }
        elseif ($reason -match '\b40[13]\b|unauthorized|denied|incorrect username or password') { 'AuthenticationError' }
        else { 'InvalidResult' }
        throw (New-EcrErrorRecord -Message "$Client login to $Registry failed: $reason" -ErrorId 'ClientLoginFailed' `
                -Category $category -Target $Registry)
    }
    foreach ($line in Get-EcrTextLine $run.Output) { Write-Host "${Registry}: $line" }
}

function script:Invoke-EcrClientLogout {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Client, [string] $Registry)
    $clientPath = Resolve-EcrClient $Client
    $arguments = @(Get-EcrClientArgument $Client 'Logout' $Registry '')
    $Cmdlet.WriteVerbose("Running: $clientPath $($arguments -join ' ')")
    $run = Invoke-EcrClient -ClientPath $clientPath -Arguments $arguments
    foreach ($line in Get-EcrTextLine $run.Error) { $Cmdlet.WriteVerbose("${Client}: $line") }
    if ($run.ExitCode -ne 0) {
        $reason = @(Get-EcrTextLine $run.Error) | Select-Object -Last 1
        $Cmdlet.WriteError((New-EcrErrorRecord -Message "$Client logout from $Registry failed: $reason" `
                    -ErrorId 'ClientLogoutFailed' -Category InvalidResult -Target $Registry))
        return
    }
    foreach ($line in Get-EcrTextLine $run.Output) { Write-Host "${Registry}: $line" }
}
