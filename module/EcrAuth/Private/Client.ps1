# Running container clients: each one's login/logout form, always with --password-stdin. The
# functions here return what happened (output lines, stderr lines for -Verbose, an ErrorRecord
# on failure); the public commands write them with their own $PSCmdlet.
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs unguarded.

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
    # The client's full path, or $null when it is not on PATH.
    param([string] $Name)
    # Cached per PATH: Get-Command costs milliseconds on every call.
    $cacheKey = "$Name`n$env:PATH"
    $cached = $script:EcrClientPaths[$cacheKey]
    if ($cached -and [System.IO.File]::Exists($cached)) { return $cached }
    $command = @(Get-Command -Name $Name -CommandType Application -ErrorAction Ignore)
    if (-not $command.Count) { return $null }
    $script:EcrClientPaths[$cacheKey] = $command[0].Source
    $command[0].Source
}

function script:Get-EcrClientArgument {
    param([string] $Client, [string] $Action, [string] $Registry, [string] $Username)
    foreach ($part in $script:EcrClientForms[$Client][$Action]) { $part -f $Registry, $Username }
}

# .NET Core 2.1+ passes arguments as a list (ArgumentList), quoting them itself; Windows
# PowerShell 5.1 gets one command line quoted by ConvertTo-EcrArgument.
$script:EcrHasArgumentList = $null -ne [System.Diagnostics.ProcessStartInfo].GetProperty('ArgumentList')

function script:ConvertTo-EcrArgument {
    # Quote for Windows' command-line parser (also what .NET uses to split on Unix).
    param([string] $Value)
    if ($Value -match '^[A-Za-z0-9._:/@\[\]=-]+$') { return $Value }
    '"' + ($Value -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"'
}

function script:Start-EcrProcess {
    # Starts a client with standard input, output and error redirected.
    param([string] $ClientPath, [string[]] $Arguments)
    $info = [System.Diagnostics.ProcessStartInfo]::new()
    $info.FileName = $ClientPath
    if ($script:EcrHasArgumentList) { foreach ($argument in $Arguments) { $info.ArgumentList.Add($argument) } }
    else { $info.Arguments = @(foreach ($argument in $Arguments) { ConvertTo-EcrArgument $argument }) -join ' ' }
    $info.UseShellExecute = $false
    $info.CreateNoWindow = $true
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    # The password goes to StandardInput.BaseStream as raw bytes, and nothing may come before it.
    # The StandardInput writer would put its encoding's preamble first (a UTF-8 byte-order mark
    # under code page 65001), and .NET Framework writes it at Process.Start already (it sets
    # AutoFlush on a writer made with Console.InputEncoding). So: PowerShell 7 (.NET Core 2.1+)
    # gets a preamble-free StandardInputEncoding; Windows PowerShell 5.1, which lacks that
    # property, gets a preamble-free Console.InputEncoding for the moment of the start.
    if ($info.PSObject.Properties['StandardInputEncoding']) {
        $info.StandardInputEncoding = [System.Text.UTF8Encoding]::new($false)
        return [System.Diagnostics.Process]::Start($info)
    }
    if (-not [Console]::InputEncoding.GetPreamble().Length) { return [System.Diagnostics.Process]::Start($info) }
    # Console.InputEncoding is process-wide: two runspaces (ForEach-Object -Parallel, jobs in
    # the same process, a host's pipelines) logging in at once would restore each other's
    # values. A mutex named after the process serialises the swap and the start across every
    # runspace (a script variable would be per runspace); what another runspace reads in that
    # window is UTF-8 without the byte-order mark, the same code page.
    $lock = [System.Threading.Mutex]::new($false, "Local\EcrAuth.ConsoleInputEncoding.$PID")
    $null = $lock.WaitOne()
    $restore = [Console]::InputEncoding
    try {
        try { [Console]::InputEncoding = [System.Text.UTF8Encoding]::new($false) } catch { $restore = $null }
        [System.Diagnostics.Process]::Start($info)
    }
    finally {
        if ($restore) { [Console]::InputEncoding = $restore }
        $lock.ReleaseMutex()
        $lock.Dispose()
    }
}

# A client found as a batch file (docker.cmd, a scoop or npm shim) runs through cmd.exe, which
# reads its command line by its own rules (& | < > ^ % ! and quotes): PowerShell's or .NET's
# quoting does not protect there (CVE-2024-24576, "BatBadBut"). Every argument EcrAuth passes
# is a plain word (login, --username, AWS, a registry host), so one that is not is refused
# instead of quoted. The password never is an argument: it goes to standard input.
$script:EcrBatchSafeArgument = '^[A-Za-z0-9._:/@\[\]=-]+$'

function script:Test-EcrBatchClient {
    param([string] $ClientPath)
    $ClientPath.EndsWith('.cmd', [StringComparison]::OrdinalIgnoreCase) -or $ClientPath.EndsWith('.bat', [StringComparison]::OrdinalIgnoreCase)
}

function script:New-EcrClientRun {
    # What Invoke-EcrClient returns.
    param([int] $ExitCode = -1, [string] $Output = '', [string] $ErrorText = '', [switch] $TimedOut, [hashtable] $NotRun)
    [pscustomobject]@{ ExitCode = $ExitCode; Output = $Output; Error = $ErrorText; TimedOut = [bool]$TimedOut; NotRun = $NotRun }
}

function script:Stop-EcrProcessTree {
    # Stops a client that overran and every process it started (a docker.cmd shim's docker.exe,
    # a credential helper, a script's children). Windows: .NET Core 3+ kills the tree itself,
    # .NET Framework (5.1) asks taskkill. Unix: .NET's Kill(true) left a shell's child running
    # here (seen on .NET 10), so the descendants are found first (from /proc, or ps on macOS)
    # and stopped after the client.
    param([System.Diagnostics.Process] $Process)
    try {
        if ($script:EcrPlatform -eq 'Windows') {
            if ($script:EcrIsCore) { $Process.Kill($true) }
            else {
                $null = & ([System.IO.Path]::Combine($env:SystemRoot, 'System32', 'taskkill.exe')) /T /F /PID $Process.Id 2>&1
                if (-not $Process.HasExited) { $Process.Kill() }
            }
            return
        }
        $descendants = @(Get-EcrDescendantProcessId $Process.Id)
        $Process.Kill()
        foreach ($id in $descendants) {
            try { [System.Diagnostics.Process]::GetProcessById($id).Kill() }
            catch { Write-Debug "EcrAuth: process $id had exited already: $($_.Exception.Message)" }
        }
    }
    catch [System.InvalidOperationException] { Write-Debug "EcrAuth: the client had exited already: $($_.Exception.Message)" }
}

function script:Get-EcrDescendantProcessId {
    # The ids of every process below $Id (Unix): parent ids from /proc/<pid>/stat on Linux, from
    # `ps -A -o pid=,ppid=` elsewhere.
    param([int] $Id)
    $parents = @{}
    if ([System.IO.Directory]::Exists('/proc/self')) {
        foreach ($dir in [System.IO.Directory]::GetDirectories('/proc')) {
            $name = [System.IO.Path]::GetFileName($dir)
            if ($name -notmatch '^[0-9]+$') { continue }
            try { $stat = [System.IO.File]::ReadAllText("$dir/stat") } catch { continue }
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
            $parents[[int]$name] = [int]$fields[1]
        }
    }
    else {
        foreach ($line in & ps -A -o 'pid=,ppid=') {
            $pair = -split $line
            if ($pair.Count -eq 2) { $parents[[int]$pair[0]] = [int]$pair[1] }
        }
    }
    $found = [System.Collections.Generic.List[int]]::new()
    $queue = [System.Collections.Generic.Queue[int]]::new()
    $queue.Enqueue($Id)
    while ($queue.Count) {
        $parent = $queue.Dequeue()
        foreach ($entry in $parents.GetEnumerator()) {
            if ($entry.Value -eq $parent -and -not $found.Contains($entry.Key)) { $found.Add($entry.Key); $queue.Enqueue($entry.Key) }
        }
    }
    $found
}

function script:Invoke-EcrClient {
    # Runs a client with $Arguments; $Password (bytes), if given, goes to standard input only.
    # Returns ExitCode, Output and Error (text), TimedOut, and NotRun (Id, Category, Message)
    # when it was not started.
    param([string] $ClientPath, [string[]] $Arguments, [byte[]] $Password, [int] $TimeoutSec = 120)
    if (Test-EcrBatchClient $ClientPath) {
        foreach ($argument in $Arguments) {
            if ($argument -notmatch $script:EcrBatchSafeArgument) {
                $reason = "$ClientPath is a batch file, which runs through cmd.exe, and the argument '$argument' holds characters cmd.exe would interpret: not run. Put the client's .exe first on PATH."
                return New-EcrClientRun -NotRun @{ Id = 'ClientArgumentUnsafe'; Category = 'InvalidArgument'; Message = $reason }
            }
        }
    }
    try { $process = Start-EcrProcess $ClientPath $Arguments }
    catch {
        $reason = "$ClientPath could not be started: $($_.Exception.GetBaseException().Message)"
        return New-EcrClientRun -NotRun @{ Id = 'ClientStartFailed'; Category = 'ResourceUnavailable'; Message = $reason }
    }
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
            Write-Debug "EcrAuth: $ClientPath closed its standard input early: $($_.Exception.Message)"
        }
        finally {
            $process.StandardInput.Close()
        }
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            Stop-EcrProcessTree $process
            return New-EcrClientRun -TimedOut
        }
        $process.WaitForExit()
        New-EcrClientRun -ExitCode $process.ExitCode -Output $stdout.Result -ErrorText $stderr.Result
    }
    finally {
        $process.Dispose()
    }
}

function script:Get-EcrTextLine {
    param([string] $Text)
    foreach ($line in $Text.Split("`n")) { $line = $line.Trim(); if ($line) { $line } }
}

function script:Invoke-EcrClientLogin {
    # One registry's login. Returns Output (lines for the information stream), Verbose (the
    # client's stderr lines) and Failure (an ErrorRecord, or $null).
    param([string] $Client, [string] $ClientPath, [object] $Login, [int] $TimeoutSec = 120)
    $arguments = @(Get-EcrClientArgument $Client 'Login' $Login.Registry $Login.Username)
    $run = Invoke-EcrClient -ClientPath $ClientPath -Arguments $arguments -Password $Login.Password -TimeoutSec $TimeoutSec
    $errors = @(Get-EcrTextLine $run.Error)
    $failure = $null
    if ($run.NotRun) {
        $failure = New-EcrErrorRecord -Message "$Client login to $($Login.Registry) failed: $($run.NotRun.Message)" `
            -ErrorId $run.NotRun.Id -Category $run.NotRun.Category -Target $Login.Registry
    }
    elseif ($run.TimedOut) {
        $failure = New-EcrErrorRecord -Message "$Client login to $($Login.Registry) did not finish within $TimeoutSec seconds (-TimeoutSec); it was stopped, with the processes it started." `
            -ErrorId 'ClientTimeout' -Category OperationTimeout -ExceptionType ([System.TimeoutException]) -Target $Login.Registry
    }
    elseif ($run.Error -match 'The stub received bad data') {
        # Docker Desktop's credsStore "desktop" (and "wincred") keeps logins in the Windows
        # Credential Manager, whose 2,560-byte limit is smaller than an ECR token
        # (actions/runner-images#11172, danieljoos/wincred#18).
        $file = Get-EcrClientAuthFile $Client
        $failure = New-EcrErrorRecord -Message ("$Client login to $($Login.Registry) failed: docker's credential store (the Windows Credential Manager, " +
            "credsStore `"desktop`" or `"wincred`" in $file) cannot hold an ECR token, which is longer than its 2,560-byte limit " +
            "(`"The stub received bad data`"). Remove the `"credsStore`" line from $file, or set DOCKER_CONFIG to a folder whose config.json has none; " +
            "docker then keeps this login in config.json.") -ErrorId 'ClientCredentialStoreTooSmall' -Category LimitsExceeded -Target $Login.Registry
    }
    elseif ($run.ExitCode -ne 0) {
        $reason = "exit code $($run.ExitCode)"
        if ($errors.Count) { $reason = $errors[-1] }
        # Network words first: a port number such as 40123 must not read as HTTP 401.
        $category = if ($reason -match 'connection refused|no such host|timeout|i/o|unreachable|EOF') { 'ConnectionError' }
        elseif ($reason -match '\b40[13]\b|unauthorized|denied|incorrect username or password') { 'AuthenticationError' }
        else { 'InvalidResult' }
        $failure = New-EcrErrorRecord -Message "$Client login to $($Login.Registry) failed: $reason" -ErrorId 'ClientLoginFailed' `
            -Category $category -Target $Login.Registry
    }
    [pscustomobject]@{ Output = @(Get-EcrTextLine $run.Output); Verbose = $errors; Failure = $failure }
}

function script:Invoke-EcrClientLogout {
    # One registry's logout; returns like Invoke-EcrClientLogin.
    param([string] $Client, [string] $ClientPath, [string] $Registry)
    $run = Invoke-EcrClient -ClientPath $ClientPath -Arguments @(Get-EcrClientArgument $Client 'Logout' $Registry '')
    $errors = @(Get-EcrTextLine $run.Error)
    $failure = $null
    if ($run.NotRun -or $run.TimedOut -or $run.ExitCode -ne 0) {
        $reason = "exit code $($run.ExitCode)"
        if ($errors.Count) { $reason = $errors[-1] }
        if ($run.TimedOut) { $reason = 'it did not finish within 120 seconds' }
        if ($run.NotRun) { $reason = $run.NotRun.Message }
        $failure = New-EcrErrorRecord -Message "$Client logout from $Registry failed: $reason" `
            -ErrorId 'ClientLogoutFailed' -Category InvalidResult -Target $Registry
    }
    [pscustomobject]@{ Output = @(Get-EcrTextLine $run.Output); Verbose = $errors; Failure = $failure }
}
