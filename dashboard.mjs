import dashboard from './dashboard.js'

export { dashboard }
export default dashboard
